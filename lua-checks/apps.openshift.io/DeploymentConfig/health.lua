-- OpenShift DeploymentConfig. The Progressing condition follows the latest rollout (reason
-- NewReplicationControllerAvailable once it finished, status False when it failed); Available
-- says whether the minimum number of replicas is up.
local h = require("herald")
local c = h.by_type(obj)
local progressing, available = c.Progressing, c.Available

if h.generation_lags(obj) then
  return h.progressing("Waiting for the rollout to start")
end
if h.is(progressing, "False") then
  return h.degraded(h.explain(progressing, "Deployment config rollout failed"))
end
if h.is(progressing, "True") and progressing.reason == "NewReplicationControllerAvailable" then
  return h.healthy("replication controller successfully rolled out")
end
if h.is(available, "False") then
  return h.degraded("Deployment config is degraded")
end
return h.progressing("replication controller is waiting for pods to run")
