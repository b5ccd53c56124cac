-- OpenKruise AdvancedCronJob. A paused job is suspended (spec.paused stops new runs, whatever
-- ran before); otherwise it is healthy once the controller has scheduled at least one run
-- (status.lastScheduleTime), and flagged as not having run successfully while that is missing.
-- No status at all means the controller has not reconciled it yet (its first pass records
-- status.type): Progressing.
local h = require("herald")

if h.spec(obj).paused == true then
  return h.suspended("AdvancedCronJob is Paused")
elseif type(obj.status) ~= "table" then
  return h.progressing("Waiting for the AdvancedCronJob controller")
elseif h.text(h.status(obj).lastScheduleTime) then
  return h.healthy("AdvancedCronJobs has run successfully")
end
return h.degraded("AdvancedCronJobs has not run successfully")
