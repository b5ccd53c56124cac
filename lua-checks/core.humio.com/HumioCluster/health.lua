-- Humio operator HumioCluster. status.state is the cluster's lifecycle: Running is healthy;
-- Pending, Upgrading and Restarting are transitions; ConfigError means the spec (or something it
-- references) is wrong, with status.message saying what when the operator sets it. With node
-- pools, status.nodePoolStatus[] carries the same states per pool (the operator counts the
-- cluster ready only when every pool with nodes is Running too).
--   state ConfigError, or a node pool in ConfigError               -> Degraded
--   Running with a node pool Pending, Upgrading or Restarting      -> Progressing
--   status.observedGeneration (a string) behind metadata.generation -> Progressing
--   Running                                                        -> Healthy
--   Pending, Upgrading, Restarting, another state, or none yet     -> Progressing
--   Unknown                                                        -> Unknown
local h = require("herald")
local s = h.status(obj)
local state = h.text(s.state)
local known = {
  Running = h.healthy("Cluster is in a healthy running state"),
  Restarting = h.progressing("Cluster pods are being restarted"),
  Upgrading = h.progressing("Cluster pods are being upgraded"),
  Pending = h.progressing("Cluster is waiting on resources to be provisioned"),
  ConfigError = h.degraded(h.text(s.message) or "User-provided cluster specification resulted in a configuration error"),
  Unknown = h.unknown("Component state: Unknown."),
}
if state == nil then
  return h.progressing("Update in progress")
end
if state == "ConfigError" then
  return known.ConfigError
end
local moving = nil
for _, pool in ipairs(h.list(s.nodePoolStatus)) do
  local pool_state = h.text(h.field(pool, "state"))
  local name = h.text(h.field(pool, "name")) or "?"
  if pool_state == "ConfigError" then
    return h.degraded(h.text(s.message) or ("Node pool " .. name .. " has a configuration error"))
  elseif pool_state ~= nil and pool_state ~= "Running" and moving == nil then
    moving = "Node pool " .. name .. " is " .. pool_state
  end
end
local seen = tonumber(s.observedGeneration)
local generation = h.get(obj, "metadata", "generation")
if state == "Running" and type(generation) == "number" and seen ~= nil and seen < generation then
  return h.progressing("Waiting for the operator to reconcile the latest spec")
end
if state == "Running" and moving ~= nil then
  return h.progressing(moving)
end
return known[state] or h.progressing(h.text(s.message) or ("Component state: " .. state .. "."))
