-- PodDisruptionBudget (Kubernetes policy): the disruption controller reports a
-- DisruptionAllowed condition.
--   True                          -> Healthy: pods may be evicted within the budget
--   False, reason SyncFailed      -> Degraded: the controller could not compute the budget
--                                    (its message, the error, follows the reason)
--   False, reason InsufficientPods -> no eviction is allowed (status.disruptionsAllowed 0):
--     status.currentHealthy below status.desiredHealthy -> Degraded: fewer healthy pods
--       than the budget requires;
--     currentHealthy at or above desiredHealthy -> Healthy: the budget is met with no room
--       to spare (maxUnavailable 0, minAvailable equal to the replicas), which is its design
--   False, any other reason       -> Degraded
--   no condition, or status older
--   than the spec (generation)    -> Progressing, waiting for the controller
-- Should several DisruptionAllowed conditions appear, a False one outweighs a
-- True one, and SyncFailed outweighs other reasons.
local h = require("herald")
local WAITING = "Waiting for status"

local generation = tonumber(h.get(obj, "metadata", "generation"))
local observed = tonumber(h.status(obj).observedGeneration)
if generation ~= nil and observed ~= nil and observed < generation then
  return h.progressing(WAITING)
end

-- The weightiest DisruptionAllowed condition: SyncFailed over other False over anything else.
local function weight(c)
  if not h.is(c, "False") then
    return 1
  end
  return c.reason == "SyncFailed" and 3 or 2
end
local c = nil
for _, cond in ipairs(h.conditions(obj)) do
  if type(cond) == "table" and cond.type == "DisruptionAllowed" and (c == nil or weight(cond) > weight(c)) then
    c = cond
  end
end

local reason = h.text(c and c.reason)
local said = h.text(c and c.message)
local described = reason and ("PodDisruptionBudget has " .. reason) or said
if reason and said and h.is(c, "False") then
  -- SyncFailed carries the controller's error (no scale subresource, no pods' controller...)
  described = described .. ": " .. said
end
if h.is(c, "True") then
  return h.healthy(described or "PodDisruptionBudget allows disruptions")
end
if h.is(c, "False") then
  local status = h.status(obj)
  local current, desired = tonumber(status.currentHealthy), tonumber(status.desiredHealthy)
  if reason == "InsufficientPods" and current ~= nil and desired ~= nil and current >= desired then
    return h.healthy(string.format("%s: %d healthy pods, %d required, no disruption allowed",
      described, current, desired))
  end
  return h.degraded(described or "PodDisruptionBudget allows no disruptions")
end
return h.progressing(WAITING)
