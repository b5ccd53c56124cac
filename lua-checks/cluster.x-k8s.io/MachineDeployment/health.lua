-- Cluster API MachineDeployment, which rolls out MachineSets like a Deployment rolls out
-- ReplicaSets. status.phase is ScalingUp/ScalingDown while the machine count changes, Running
-- when settled, Failed when machines failed.
--   phase Failed                                          -> Degraded (also when paused)
--   spec.paused, the cluster.x-k8s.io/paused annotation
--     or Paused=True (v1beta2)                             -> Suspended
--   metadata.generation ahead of status.observedGeneration -> Progressing
--   Running while a rollout is under way (v1beta2 RollingOut=True, or fewer up-to-date
--     machines than spec.replicas)                        -> Progressing
--   Running                                               -> Healthy
--   ScalingUp, ScalingDown, Unknown, no phase yet         -> Progressing
local h = require("herald")
local capi = require("cluster_api")
local s = h.status(obj)
local phase = h.text(s.phase)
local says = {
  ScalingDown = "Cluster is stopping machines",
  ScalingUp = "Cluster is starting machines",
  Running = "Machines are running under this deployment",
}

if phase == "Failed" then
  return h.degraded("MachineDeployment is failed")
elseif capi.paused(obj) then
  return h.suspended("MachineDeployment is paused")
elseif h.generation_lags(obj) then
  return h.progressing("Waiting for the MachineDeployment spec to be observed")
end
if phase == "Running" then
  local rolling = h.condition(obj, "RollingOut")
  if h.is(rolling, "True") then
    return h.progressing(h.explain(rolling, "MachineDeployment is rolling out"))
  end
  local wanted = h.spec(obj).replicas
  local updated = s.upToDateReplicas
  if type(updated) ~= "number" then
    updated = s.updatedReplicas
  end
  if type(wanted) == "number" and type(updated) == "number" and updated < wanted then
    return h.progressing(string.format("Rolling out: %d of %d machines up to date", updated, wanted))
  end
end
return h.lookup(phase, { Running = "Healthy" }, says[phase] or ("MachineDeployment is " .. (phase or "waiting for status")))
