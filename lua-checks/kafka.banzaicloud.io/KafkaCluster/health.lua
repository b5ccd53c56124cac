-- Koperator (banzaicloud) KafkaCluster. status.state is the cluster's lifecycle
-- (ClusterRunning, ClusterReconciling, ClusterRollingUpgrading...). A running cluster is healthy
-- only if every broker's configuration is in sync and Cruise Control's topic is ready.
local h = require("herald")
local s = h.status(obj)
local state = h.text(s.state)
if state == nil then
  return h.progressing("Waiting for the Kafka cluster to be reconciled")
end
if state ~= "ClusterRunning" then
  local what = state:gsub("^Cluster", "")
  return h.progressing("Kafka Cluster is " .. what .. ".")
end
local out_of_sync = false
if type(s.brokersState) == "table" then
  for _, broker in pairs(s.brokersState) do
    if type(broker) == "table" then
      local cfg = broker.configurationState
      local cc = type(broker.gracefulActionState) == "table" and broker.gracefulActionState.cruiseControlState or nil
      if (type(cfg) == "string" and cfg ~= "ConfigInSync") or (type(cc) == "string" and cc:find("Failed")) then
        out_of_sync = true
      end
    end
  end
end
if out_of_sync or s.cruiseControlTopicStatus ~= "CruiseControlTopicReady" then
  return h.degraded("Broker Config is out of Sync or CruiseControlState is not Ready")
end
return h.healthy("Kafka Brokers, CruiseControl and cluster are in Healthy State.")
