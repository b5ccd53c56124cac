-- Flink Kubernetes operator FlinkDeployment. status.jobManagerDeploymentStatus tracks the
-- JobManager: READY is up, DEPLOYING / DEPLOYED_NOT_READY are on the way, ERROR carries the
-- reconciliation error. status.reconciliationStatus says whether the operator has applied the
-- latest spec (success: true in v0.1, state DEPLOYED since v1; UPGRADING, ROLLING_BACK and
-- ROLLED_BACK while it has not). Healthy needs both: a JobManager that is up (or, for a
-- suspended job, deliberately gone) and the latest spec reconciled. A suspended job (JobManager
-- MISSING, job SUSPENDED) is healthy by design (the shared corpus' healthy_suspended cases).
--   JobManager ERROR, job FAILED, status.lifecycleState FAILED            -> Degraded
--   reconciliation ROLLED_BACK (the new spec never became stable within
--     the rollback timeout; the operator went back to the last stable spec
--     and stays there until the spec changes)                             -> Degraded
--   JobManager DEPLOYING / DEPLOYED_NOT_READY                             -> Progressing
--   job RESTARTING, FAILING or RECONCILING on a running JobManager        -> Progressing
--   reconciled and JobManager READY (or MISSING for a suspended job)      -> Healthy
--   UPGRADING, ROLLING_BACK, or anything else                             -> Progressing
local h = require("herald")
local s = h.status(obj)
local jm = h.text(s.jobManagerDeploymentStatus)
local job = h.text(h.field(s.jobStatus, "state"))
local rec = s.reconciliationStatus
local state = h.text(h.field(rec, "state"))
local reconciled = h.field(rec, "success") == true or state == "DEPLOYED"

if jm == "ERROR" then
  return h.degraded(h.text(h.field(rec, "error")) or h.text(s.error) or "JobManager deployment failed")
elseif job == "FAILED" or s.lifecycleState == "FAILED" then
  return h.degraded(h.text(s.error) or "Flink job failed")
elseif state == "ROLLED_BACK" then
  return h.degraded(h.text(s.error) or "The latest spec failed to become stable and was rolled back")
elseif jm == "DEPLOYING" or jm == "DEPLOYED_NOT_READY" then
  return h.progressing("Waiting for deploying")
elseif jm == "READY" and (job == "RESTARTING" or job == "FAILING" or job == "RECONCILING") then
  return h.progressing("Flink job is " .. job)
elseif reconciled and (jm == "READY" or (jm == "MISSING" and job == "SUSPENDED")) then
  return h.healthy("")
elseif jm == "READY" and state ~= nil then
  -- The JobManager runs the previous spec while the operator upgrades or rolls back.
  return h.progressing(h.text(s.error) or ("Waiting for the operator: reconciliation is " .. state))
end
return h.progressing(h.text(s.error) or "Waiting for the JobManager deployment")
