-- Koperator (banzaicloud) KafkaCluster. status.state is the cluster's lifecycle (ClusterRunning,
-- ClusterReconciling, ClusterRollingUpgrading...), each broker's state sits in
-- status.brokersState, and status.cruiseControlTopicStatus says whether Cruise Control's metrics
-- topic exists (CruiseControlTopicNotReady: not created yet; the operator retries every
-- reconcile).
--   a broker whose Cruise Control operation failed (Graceful...Failed)   -> Degraded, any state
--   no state yet                                                        -> Progressing
--   a state other than ClusterRunning (reconciling, rolling upgrade)    -> Progressing
--   running with a broker's configuration out of sync                    -> Degraded
--   running, the Cruise Control topic not ready (or an unknown value)    -> Progressing
--   running, brokers in sync, topic ready                                -> Healthy
local h = require("herald")
local s = h.status(obj)
local state = h.text(s.state)

local out_of_sync = false
for _, broker in pairs(h.list(s.brokersState)) do
  local cfg = h.field(broker, "configurationState")
  local cc = h.get(broker, "gracefulActionState", "cruiseControlState")
  if type(cc) == "string" and cc:find("Failed") then
    local why = h.text(h.get(broker, "gracefulActionState", "errorMessage"))
    return h.degraded("Cruise Control operation on a broker failed: " .. cc .. (why and (": " .. why) or ""))
  end
  if type(cfg) == "string" and cfg ~= "ConfigInSync" then
    out_of_sync = true
  end
end

if state == nil then
  return h.progressing("Waiting for the Kafka cluster to be reconciled")
elseif state ~= "ClusterRunning" then
  return h.progressing("Kafka Cluster is " .. state:gsub("^Cluster", "") .. ".")
end
if out_of_sync then
  return h.degraded("Broker Config is out of Sync or CruiseControlState is not Ready")
end
if s.cruiseControlTopicStatus ~= "CruiseControlTopicReady" then
  return h.progressing("Waiting for the Cruise Control topic to be created")
end
return h.healthy("Kafka Brokers, CruiseControl and cluster are in Healthy State.")
