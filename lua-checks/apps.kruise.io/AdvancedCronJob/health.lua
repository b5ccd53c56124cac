-- OpenKruise AdvancedCronJob. A paused job is suspended; otherwise it is healthy once the
-- controller has scheduled at least one run (status.lastScheduleTime), and flagged as not
-- having run successfully while that is missing.
local h = require("herald")
local spec = type(obj.spec) == "table" and obj.spec or {}

if spec.paused == true then
  return h.suspended("AdvancedCronJob is Paused")
end
if h.text(h.status(obj).lastScheduleTime) then
  return h.healthy("AdvancedCronJobs has run successfully")
end
return h.degraded("AdvancedCronJobs has not run successfully")
