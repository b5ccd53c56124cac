-- mariadb-operator Backup. The operator reports the state of the backup's (Cron)Job in a
-- Complete condition whose reason says how it went (JobComplete, JobFailed, JobRunning,
-- CronJobScheduled, CronJobSuccess...). A failed run is degraded, a completed one healthy.
local h = require("herald")
local c = h.condition(obj, "Complete")
if c == nil then
  return h.progressing("Waiting for the job to be scheduled")
end
local reason, message = h.text(c.reason) or "", h.text(c.message) or ""
local summary = (reason .. " " .. message):gsub("^%s+", ""):gsub("%s+$", "")
if reason:find("Fail") then
  return h.degraded(summary)
end
if c.status == "True" then
  return h.healthy(summary)
end
return h.progressing(summary)
