-- Pravega zookeeper-operator ZookeeperCluster: the ensemble is Healthy once status.readyReplicas
-- reaches status.replicas (every ZooKeeper node has joined); until then Progressing.
local h = require("herald")
local s = h.status(obj)
local want, ready = s.replicas, s.readyReplicas
if type(want) == "number" and type(ready) == "number" and want > 0 and ready >= want then
  return h.healthy(string.format("All %d ZK Nodes have joined the ensemble", want))
end
return h.progressing("Waiting for ZK Nodes to join the ensemble")
