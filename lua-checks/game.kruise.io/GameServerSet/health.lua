-- OpenKruiseGame GameServerSet. Like a StatefulSet: the set is healthy when the controller saw
-- the latest spec and spec.replicas GameServers are updated and ready. A paused rolling update
-- or a partition holding back old replicas waits for a human, so it is suspended.
local h = require("herald")
local s = h.status(obj)
local spec = type(obj.spec) == "table" and obj.spec or {}
if h.generation_lags(obj) or obj.status == nil then
  return h.progressing("Waiting for GameServerSet initialization")
end
local wanted = type(spec.replicas) == "number" and spec.replicas or 1
local function num(v) return type(v) == "number" and v or 0 end
local ru = type(spec.updateStrategy) == "table" and spec.updateStrategy.rollingUpdate
if type(ru) == "table" then
  if ru.paused == true then
    return h.suspended("GameServerSet is paused")
  end
  local partition = num(ru.partition)
  if partition > 0 and num(s.updatedReplicas) >= wanted - partition and num(s.updatedReplicas) < wanted then
    return h.suspended(string.format("Partition=%d, waiting for manual intervention", partition))
  end
end
if num(s.updatedReadyReplicas) >= wanted and num(s.readyReplicas) >= wanted then
  return h.healthy("All GameServerSet replicas are updated and ready")
end
return h.progressing(string.format("Waiting for rollout: %d of %d replicas updated and ready", num(s.updatedReadyReplicas), wanted))
