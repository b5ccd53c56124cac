-- Flink Kubernetes operator FlinkDeployment. status.jobManagerDeploymentStatus tracks the
-- JobManager: READY is healthy, DEPLOYING / DEPLOYED_NOT_READY are on the way, ERROR carries the
-- reconciliation error. A suspended job (JobManager MISSING, job SUSPENDED) is healthy by design.
local h = require("herald")
local s = h.status(obj)
local jm = h.text(s.jobManagerDeploymentStatus)
local job = h.text(h.field(s.jobStatus, "state"))
if jm == "ERROR" then
  return h.degraded(h.text(h.field(s.reconciliationStatus, "error")) or h.text(s.error) or "JobManager deployment failed")
elseif job == "FAILED" then
  return h.degraded(h.text(s.error) or "Flink job failed")
elseif jm == "READY" or (jm == "MISSING" and job == "SUSPENDED") then
  return h.healthy("")
elseif jm == "DEPLOYING" or jm == "DEPLOYED_NOT_READY" then
  return h.progressing("Waiting for deploying")
end
return h.progressing(h.text(s.error) or "Waiting for the JobManager deployment")
