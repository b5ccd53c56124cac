-- OpenKruise Advanced DaemonSet. Healthy when the pod on every eligible node is updated and
-- available. A paused rolling update is suspended, as is one that has updated every node
-- outside its partition and waits for the partition to be lowered.
local h = require("herald")
local s = h.status(obj)
local function num(v) return type(v) == "number" and v or 0 end
local desired = num(s.desiredNumberScheduled)
if desired == 0 or h.generation_lags(obj) then
  return h.progressing("Waiting for initialization")
end
local strategy = type(obj.spec) == "table" and type(obj.spec.updateStrategy) == "table" and obj.spec.updateStrategy or {}
local rolling = type(strategy.rollingUpdate) == "table" and strategy.rollingUpdate or {}
if rolling.paused == true then
  return h.suspended("Daemonset is paused")
end
local partition = num(rolling.partition)
if partition > 0 and num(s.updatedNumberScheduled) >= desired - partition then
  return h.suspended("Daemonset needs manual intervention")
end
if num(s.updatedNumberScheduled) < desired then
  return h.progressing("Waiting for daemon pods to be updated")
end
if num(s.numberAvailable) < desired then
  return h.degraded("Some pods are not ready or available")
end
return h.healthy("All Daemonset workloads are ready and updated")
