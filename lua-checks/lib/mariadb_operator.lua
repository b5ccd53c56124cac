-- mariadb-operator (k8s.mariadb.com): the job-like resources (Backup, SqlJob) report their
-- (Cron)Job in a Complete condition whose reason says how the last run went (JobComplete,
-- JobFailed, JobSuspended, JobRunning, CronJobSuccess, CronJobFailed, CronJobScheduled...).
-- `require("mariadb_operator").job(obj)`.
local h = require("herald")

local M = {}

-- Messages the operator writes with reason Failed while it only waits for something else to be
-- ready (backup_controller, sqljob_controller, pkg/controller/sql: it requeues and retries).
M.WAITING = {
  ["MariaDB not ready"] = true,
  ["External MariaDB not ready"] = true,
  ["MaxScale not ready"] = true,
  ["MariaDB has pending binlog replay"] = true,
}

-- Database, User, Grant (and the other SQL resources): Ready=True (reason Created) once the
-- object exists in the server; Ready=False (reason Failed) with the SQL or connection error is
-- degraded, except the waits in M.WAITING, which are progressing.
function M.sql(o, waiting)
  local ready = h.condition(o, "Ready")
  if h.is(ready, "False") and M.WAITING[ready.message] then
    return h.progressing("Waiting: " .. ready.message)
  end
  return h.from_ready(o, waiting)
end

-- The reason is the operator's verdict on the last run, whatever the status: it writes
-- JobFailed with status True (the Job has ended) and CronJobFailed or Failed with False, so a
-- reason naming a failure is degraded (releases before the reason CronJobFailed existed wrote a
-- failed scheduled run as CronJobScheduled with the message Failed); JobSuspended (the Job is
-- suspended) is suspended; Complete=True (JobComplete, CronJobSuccess) healthy; anything else (JobRunning,
-- CronJobRunning, CronJobScheduled) progressing. The message is the reason and the condition's
-- message (the operator's fixed Success/Failed/Running/Scheduled word). No condition: not
-- scheduled yet. The operator also writes reason Failed while the job only waits for its server
-- (mariaDbRef.waitForIt: "MariaDB not ready"; a SqlJob dependency not complete yet): those
-- messages (M.WAITING) are progressing.
function M.job(o)
  local c = h.condition(o, "Complete")
  if c == nil then
    return h.progressing("Waiting for the job to be scheduled")
  end
  local reason, message = h.text(c.reason) or "", h.text(c.message) or ""
  local summary = (reason .. " " .. message):gsub("^%s+", ""):gsub("%s+$", "")
  if M.WAITING[message] then
    return h.progressing("Waiting: " .. message)
  end
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

-- A MariaDB server (both API groups of the operator): a failure (a Ready reason naming a failure
-- or an error: InitError, ScaleOutError, ReplicaRecoverError, ArchiveBinlogsError...), then
-- suspension (reason Suspended: spec.suspend; Cordoned: maintenance mode with cordon, connections
-- blocked on purpose), then an unfinished bootstrap (Bootstrapped=False: the initial restore is
-- not done), then Ready: True is healthy (reason Maintenance too: maintenance mode does not stop
-- reconciling), except PendingUpdate (no Pod updated yet), which is progressing unless the
-- updateStrategy leaves the update to the user (OnDelete, Never); False for any other reason
-- (Initializing, Updating, ScalingOut, ReplayBinlogs, ResizingStorage, StatefulSetNotReady...)
-- is progressing.
function M.mariadb(o)
  local ready = h.condition(o, "Ready")
  if ready == nil then
    return h.progressing("No status info available")
  end
  local reason = h.text(ready.reason) or ""
  if ready.status ~= "True" and (reason:find("Fail") or reason:find("Error")) then
    return h.degraded(h.explain(ready, "Failed"))
  elseif ready.status ~= "True" and (reason == "Suspended" or reason == "Cordoned") then
    return h.suspended(h.explain(ready, reason))
  end
  local boot = h.condition(o, "Bootstrapped")
  if h.is(boot, "False") and ready.status == "True" then
    return h.progressing(h.explain(boot, "Bootstrapping"))
  elseif ready.status == "True" and reason == "PendingUpdate" then
    local strategy = h.get(o, "spec", "updateStrategy", "type")
    if strategy == "OnDelete" or strategy == "Never" then
      return h.healthy("Pending update: waiting for the Pods to be deleted (updateStrategy " .. strategy .. ")")
    end
    return h.progressing(h.explain(ready, "Pending update"))
  elseif ready.status == "True" then
    return h.healthy(h.explain(ready, "Running"))
  end
  return h.progressing(h.explain(ready, "Not ready"))
end

return M
