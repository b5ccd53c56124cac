-- OpenKruise CloneSet. Healthy when every replica runs the updated revision and is ready and
-- available. A paused update strategy is suspended, and so is a rollout that has reached its
-- partition (updatedReplicas >= expectedUpdatedReplicas): it waits for a person to move on.
local h = require("herald")
local s = obj.status
if type(s) ~= "table" or h.generation_lags(obj) then
  return h.progressing("Waiting for initialization")
end
local strategy = type(obj.spec) == "table" and type(obj.spec.updateStrategy) == "table" and obj.spec.updateStrategy or {}
if strategy.paused == true then
  return h.suspended("Cloneset is paused")
end
local function num(v) return type(v) == "number" and v or 0 end
if num(strategy.partition) > 0 and type(s.expectedUpdatedReplicas) == "number"
    and num(s.updatedReplicas) >= s.expectedUpdatedReplicas then
  return h.suspended("Cloneset needs manual intervention")
end
local replicas = num(s.replicas)
if num(s.updatedReadyReplicas) < replicas or num(s.updatedAvailableReplicas) < replicas then
  return h.degraded("Some replicas are not ready or available")
end
return h.healthy("All Cloneset workloads are ready and updated")
