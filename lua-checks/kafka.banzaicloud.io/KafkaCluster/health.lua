-- Koperator (banzaicloud) KafkaCluster. status.state is the cluster's lifecycle
-- (ClusterRunning, ClusterReconciling, ClusterRollingUpgrading...). A running cluster is healthy
-- only if every broker's configuration is in sync and Cruise Control's topic is ready.
local h = require("herald")
local s = h.status(obj)
local state = h.text(s.state)
if state == nil then
  return h.progressing("Waiting for the Kafka cluster to be reconciled")
elseif state ~= "ClusterRunning" then
  return h.progressing("Kafka Cluster is " .. state:gsub("^Cluster", "") .. ".")
end
local out_of_sync = s.cruiseControlTopicStatus ~= "CruiseControlTopicReady"
for _, broker in pairs(h.list(s.brokersState)) do
  local cfg = h.field(broker, "configurationState")
  local cc = h.get(broker, "gracefulActionState", "cruiseControlState")
  if (type(cfg) == "string" and cfg ~= "ConfigInSync") or (type(cc) == "string" and cc:find("Failed")) then
    out_of_sync = true
  end
end
if out_of_sync then
  return h.degraded("Broker Config is out of Sync or CruiseControlState is not Ready")
end
return h.healthy("Kafka Brokers, CruiseControl and cluster are in Healthy State.")
