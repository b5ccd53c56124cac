-- Flink Kubernetes operator FlinkDeployment. status.jobManagerDeploymentStatus tracks the
-- JobManager: READY is up, DEPLOYING / DEPLOYED_NOT_READY are on the way, ERROR carries the
-- reconciliation error. status.reconciliationStatus says whether the operator has applied the
-- latest spec (success: true in v0.1, state DEPLOYED since v1; UPGRADING, ROLLING_BACK and
-- ROLLED_BACK while it has not). Healthy needs both: a JobManager that is up (or, for a
-- suspended job, deliberately gone) and the latest spec reconciled. A suspended job (JobManager
-- MISSING, job SUSPENDED) is healthy by design.
local h = require("herald")
local s = h.status(obj)
local jm = h.text(s.jobManagerDeploymentStatus)
local job = h.text(h.field(s.jobStatus, "state"))
local rec = s.reconciliationStatus
local state = h.text(h.field(rec, "state"))
local reconciled = h.field(rec, "success") == true or state == "DEPLOYED"

if jm == "ERROR" then
  return h.degraded(h.text(h.field(rec, "error")) or h.text(s.error) or "JobManager deployment failed")
elseif job == "FAILED" then
  return h.degraded(h.text(s.error) or "Flink job failed")
elseif jm == "DEPLOYING" or jm == "DEPLOYED_NOT_READY" then
  return h.progressing("Waiting for deploying")
elseif reconciled and (jm == "READY" or (jm == "MISSING" and job == "SUSPENDED")) then
  return h.healthy("")
elseif jm == "READY" and state ~= nil then
  -- The JobManager runs the previous spec while the operator upgrades or rolls back.
  return h.progressing(h.text(s.error) or ("Waiting for the operator: reconciliation is " .. state))
end
return h.progressing(h.text(s.error) or "Waiting for the JobManager deployment")
