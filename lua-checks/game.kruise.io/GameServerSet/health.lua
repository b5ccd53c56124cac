-- OpenKruiseGame GameServerSet. Like a StatefulSet: the set is healthy when the controller saw
-- the latest spec and spec.replicas GameServers are updated and ready. A paused rolling update
-- or a partition holding back old replicas waits for a human, so it is suspended (once the
-- controller has observed the spec: a newer generation waits first).
local h = require("herald")
local s, spec = h.status(obj), h.spec(obj)
if h.generation_lags(obj) or obj.status == nil then
  return h.progressing("Waiting for GameServerSet initialization")
end
local wanted = h.num(spec.replicas, 1)
local ru = h.get(spec, "updateStrategy", "rollingUpdate")
if type(ru) == "table" then
  if ru.paused == true then
    return h.suspended("GameServerSet is paused")
  end
  local partition, updated = h.num(ru.partition), h.num(s.updatedReplicas)
  if partition > 0 and updated >= wanted - partition and updated < wanted then
    return h.suspended(string.format("Partition=%d, waiting for manual intervention", partition))
  end
end
local ready = h.num(s.updatedReadyReplicas)
if ready >= wanted and h.num(s.readyReplicas) >= wanted then
  return h.healthy("All GameServerSet replicas are updated and ready")
end
return h.progressing(string.format("Waiting for rollout: %d of %d replicas updated and ready", ready, wanted))
