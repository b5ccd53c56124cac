-- mariadb-operator (k8s.mariadb.com): the job-like resources (Backup, SqlJob) report their
-- (Cron)Job in a Complete condition whose reason says how the last run went (JobComplete,
-- JobFailed, JobSuspended, JobRunning, CronJobSuccess, CronJobFailed, CronJobScheduled...).
-- `require("mariadb_operator").job(obj)`.
local h = require("herald")

local M = {}

-- The reason is the operator's verdict on the last run, whatever the status: it writes
-- JobFailed with status True (the Job has ended) and CronJobFailed or Failed with False, so a
-- reason naming a failure is degraded (releases before the reason CronJobFailed existed wrote a
-- failed scheduled run as CronJobScheduled with the message Failed); JobSuspended (the Job is
-- suspended) is suspended; Complete=True (JobComplete, CronJobSuccess) healthy; anything else (JobRunning,
-- CronJobRunning, CronJobScheduled) progressing. The message is the reason and the condition's
-- message (the operator's fixed Success/Failed/Running/Scheduled word). No condition: not
-- scheduled yet.
function M.job(o)
  local c = h.condition(o, "Complete")
  if c == nil then
    return h.progressing("Waiting for the job to be scheduled")
  end
  local reason, message = h.text(c.reason) or "", h.text(c.message) or ""
  local summary = (reason .. " " .. message):gsub("^%s+", ""):gsub("%s+$", "")
  if reason:find("Fail") or (reason == "CronJobScheduled" and message == "Failed") then
    return h.degraded(summary)
  end
  if reason == "JobSuspended" then
    return h.suspended(summary)
  end
  if c.status == "True" then
    return h.healthy(summary)
  end
  return h.progressing(summary)
end

-- A MariaDB server (both API groups of the operator): a failure, then suspension, then an
-- unfinished bootstrap (Bootstrapped=False: the initial restore is not done), then Ready.
function M.mariadb(o)
  local ready = h.condition(o, "Ready")
  if ready == nil then
    return h.progressing("No status info available")
  end
  local reason = h.text(ready.reason) or ""
  if ready.status ~= "True" and (reason:find("Fail") or reason:find("Error")) then
    return h.degraded(h.explain(ready, "Failed"))
  elseif ready.status ~= "True" and reason == "Suspended" then
    return h.suspended(h.explain(ready, "Suspended"))
  end
  local boot = h.condition(o, "Bootstrapped")
  if h.is(boot, "False") and ready.status == "True" then
    return h.progressing(h.explain(boot, "Bootstrapping"))
  elseif ready.status == "True" then
    return h.healthy(h.explain(ready, "Running"))
  end
  return h.progressing(h.explain(ready, "Not ready"))
end

return M
