-- Cluster API MachineDeployment, which rolls out MachineSets like a Deployment rolls out
-- ReplicaSets. spec.paused halts rollouts; status.phase is ScalingUp/ScalingDown while the
-- machine count changes, Running when settled, Failed when machines failed.
local h = require("herald")
local phase = h.text(h.status(obj).phase)
local says = {
  ScalingDown = "Cluster is stopping machines",
  ScalingUp = "Cluster is starting machines",
  Running = "Machines are running under this deployment",
}

if h.spec(obj).paused == true then
  return h.suspended("MachineDeployment is paused")
elseif phase == "Failed" then
  return h.degraded("MachineDeployment is failed")
elseif h.generation_lags(obj) then
  return h.progressing("Waiting for the MachineDeployment spec to be observed")
end
return h.lookup(phase, { Running = "Healthy" }, says[phase] or ("MachineDeployment is " .. (phase or "waiting for status")))
