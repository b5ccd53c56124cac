-- mariadb-operator (k8s.mariadb.com): the job-like resources (Backup, SqlJob) report their
-- (Cron)Job in a Complete condition whose reason says how the last run went (JobComplete,
-- JobFailed, JobRunning, CronJobScheduled...). `require("mariadb_operator").job(obj)`.
local h = require("herald")

local M = {}

-- A reason naming a failure is degraded, Complete=True healthy, anything else progressing; the
-- message is the reason and the condition's message. No condition: not scheduled yet.
function M.job(o)
  local c = h.condition(o, "Complete")
  if c == nil then
    return h.progressing("Waiting for the job to be scheduled")
  end
  local reason, message = h.text(c.reason) or "", h.text(c.message) or ""
  local summary = (reason .. " " .. message):gsub("^%s+", ""):gsub("%s+$", "")
  -- A scheduled job (reason CronJobScheduled) tells its last run's outcome in the message.
  if reason:find("Fail") or message == "Failed" then
    return h.degraded(summary)
  end
  if c.status == "True" then
    return h.healthy(summary)
  end
  return h.progressing(summary)
end

return M
