-- Cluster API MachineDeployment, which rolls out MachineSets like a Deployment rolls out
-- ReplicaSets. spec.paused halts rollouts; status.phase is ScalingUp/ScalingDown while the
-- machine count changes, Running when settled, Failed when machines failed.
local h = require("herald")
local s = h.status(obj)
local spec = type(obj.spec) == "table" and obj.spec or {}
local phase = h.text(s.phase)

if spec.paused == true then
  return h.suspended("MachineDeployment is paused")
elseif phase == "Failed" then
  return h.degraded("MachineDeployment is failed")
elseif h.generation_lags(obj) then
  return h.progressing("Waiting for the MachineDeployment spec to be observed")
elseif phase == "ScalingDown" then
  return h.progressing("Cluster is stopping machines")
elseif phase == "ScalingUp" then
  return h.progressing("Cluster is starting machines")
elseif phase == "Running" then
  return h.healthy("Machines are running under this deployment")
end
return h.progressing("MachineDeployment is " .. (phase or "waiting for status"))
