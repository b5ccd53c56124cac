-- Koperator (banzaicloud) KafkaCluster. status.state is the cluster's lifecycle (ClusterRunning,
-- ClusterReconciling, ClusterRollingUpgrading...), each broker's state sits in
-- status.brokersState, and status.cruiseControlTopicStatus says whether Cruise Control's metrics
-- topic exists (CruiseControlTopicNotReady: not created yet; the operator retries every
-- reconcile). A broker's gracefulActionState.cruiseControlState (and, per volume,
-- volumeStates[*].cruiseControlVolumeState) follows the Cruise Control operation that adds,
-- removes or rebalances it: Graceful<Upscale|Downscale|DiskRebalance|DiskRemoval> Required,
-- Scheduled or Running while it is under way, Succeeded, CompletedWithError (the task failed;
-- with errorPolicy retry Koperator re-runs it every 30 s), Paused (a failed task whose
-- CruiseControlOperation was paused); older releases wrote ...Failed.
--   a broker or volume whose Cruise Control task failed (Failed, CompletedWithError, Paused)
--                                                                       -> Degraded, any state
--   no state yet                                                        -> Progressing
--   a state other than ClusterRunning (reconciling, rolling upgrade)    -> Progressing
--   running with a broker's configuration out of sync                    -> Degraded
--   running, the Cruise Control topic not ready (or an unknown value)    -> Progressing
--   running, a Cruise Control task still Required, Scheduled or Running  -> Progressing
--   running, brokers in sync, topic ready                                -> Healthy
local h = require("herald")
local s = h.status(obj)
local state = h.text(s.state)

-- "failed", "busy" or nil for a Cruise Control (volume) state word.
local function cc_state(word)
  if type(word) ~= "string" then
    return nil
  end
  if word:find("Failed$") or word:find("CompletedWithError$") or word:find("Paused$") then
    return "failed"
  end
  if word:find("Required$") or word:find("Scheduled$") or word:find("Running$") then
    return "busy"
  end
  return nil
end

local out_of_sync, busy = false, nil
local ids = {}
for id in pairs(h.list(s.brokersState)) do ids[#ids + 1] = tostring(id) end
table.sort(ids)
for _, id in ipairs(ids) do
  local broker = s.brokersState[id] or s.brokersState[tonumber(id)]
  local cfg = h.field(broker, "configurationState")
  local action = h.field(broker, "gracefulActionState")
  local words = { h.field(action, "cruiseControlState") }
  for _, vol in pairs(h.list(h.field(action, "volumeStates"))) do
    words[#words + 1] = h.field(vol, "cruiseControlVolumeState")
  end
  for _, cc in ipairs(words) do
    local kind = cc_state(cc)
    if kind == "failed" then
      local why = h.text(h.field(action, "errorMessage"))
      return h.degraded("Cruise Control operation on broker " .. id .. " failed: " .. cc .. (why and (": " .. why) or ""))
    elseif kind == "busy" and busy == nil then
      busy = "Cruise Control operation on broker " .. id .. ": " .. cc
    end
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
if busy then
  return h.progressing(busy)
end
return h.healthy("Kafka Brokers, CruiseControl and cluster are in Healthy State.")
