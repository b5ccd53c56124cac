-- OpenKruise AdvancedCronJob. A paused job is suspended; otherwise it is healthy once the
-- controller has scheduled at least one run (status.lastScheduleTime), and flagged as not
-- having run successfully while that is missing.
local h = require("herald")

if h.spec(obj).paused == true then
  return h.suspended("AdvancedCronJob is Paused")
elseif h.text(h.status(obj).lastScheduleTime) then
  return h.healthy("AdvancedCronJobs has run successfully")
end
return h.degraded("AdvancedCronJobs has not run successfully")
