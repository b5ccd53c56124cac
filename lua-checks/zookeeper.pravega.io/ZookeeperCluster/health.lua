-- Pravega zookeeper-operator ZookeeperCluster. The operator writes status.readyReplicas and
-- status.replicas, and the conditions PodsReady, Upgrading and Error (Error=True with reason
-- UpgradeFailed when an image upgrade did not complete). In the order read:
--   Error=True                          -> Degraded, with its message
--   Upgrading=True                      -> Progressing (rolling to status.targetVersion)
--   readyReplicas reaches replicas (> 0) -> Healthy (every ZooKeeper node has joined)
--   otherwise                           -> Progressing
local h = require("herald")
local s = h.status(obj)
local c = h.by_type(obj)
if h.is(c.Error, "True") then
  return h.degraded(h.explain(c.Error, "ZooKeeper cluster error"))
end
if h.is(c.Upgrading, "True") then
  local target = h.text(s.targetVersion)
  return h.progressing("Upgrading the ZooKeeper ensemble" .. (target and (" to " .. target) or ""))
end
local want, ready = s.replicas, s.readyReplicas
if type(want) == "number" and type(ready) == "number" and want > 0 and ready >= want then
  return h.healthy(string.format("All %d ZK Nodes have joined the ensemble", want))
end
return h.progressing("Waiting for ZK Nodes to join the ensemble")
