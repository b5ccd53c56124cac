-- OpenKruise Advanced StatefulSet. Healthy when every replica runs the updated revision and is
-- ready and available. A paused rolling update is suspended, as is one that has updated all
-- ordinals above its partition and now waits for the partition to be lowered.
local h = require("herald")
local s = obj.status
if type(s) ~= "table" or h.generation_lags(obj) then
  return h.progressing("Waiting for initialization")
end
local function num(v) return type(v) == "number" and v or 0 end
local spec = type(obj.spec) == "table" and obj.spec or {}
local strategy = type(spec.updateStrategy) == "table" and spec.updateStrategy or {}
local rolling = type(strategy.rollingUpdate) == "table" and strategy.rollingUpdate or {}
if rolling.paused == true then
  return h.suspended("Statefulset is paused")
end
local replicas = num(s.replicas)
local partition = num(rolling.partition)
if partition > 0 and type(s.updatedReplicas) == "number" and s.updatedReplicas >= num(spec.replicas) - partition then
  return h.suspended("Statefulset needs manual intervention")
end
if num(s.updatedReadyReplicas) < replicas or num(s.updatedAvailableReplicas) < replicas then
  return h.degraded("Some replicas are not ready or available")
end
return h.healthy("All Statefulset workloads are ready and updated")
