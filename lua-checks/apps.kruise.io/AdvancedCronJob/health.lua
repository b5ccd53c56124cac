-- OpenKruise AdvancedCronJob. A paused job is suspended (spec.paused stops new runs, whatever
-- ran before). A job the controller is running now (status.active lists it) is Progressing,
-- as for a CronJob with an active Job. Otherwise it is healthy once the controller has
-- scheduled at least one run (status.lastScheduleTime), and flagged as not having run
-- successfully while that is missing. No status at all means the controller has not reconciled
-- it yet (its first pass records status.type): Progressing.
local h = require("herald")
local s = h.status(obj)

if h.spec(obj).paused == true then
  return h.suspended("AdvancedCronJob is Paused")
elseif type(obj.status) ~= "table" then
  return h.progressing("Waiting for the AdvancedCronJob controller")
elseif type(s.active) == "table" and #s.active > 0 then
  return h.progressing("AdvancedCronJobs has active jobs")
elseif h.text(s.lastScheduleTime) then
  return h.healthy("AdvancedCronJobs has run successfully")
end
return h.degraded("AdvancedCronJobs has not run successfully")
