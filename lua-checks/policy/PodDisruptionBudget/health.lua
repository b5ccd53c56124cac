-- PodDisruptionBudget (Kubernetes policy): the disruption controller reports a
-- DisruptionAllowed condition.
--   True                          -> Healthy: pods may be evicted within the budget
--   False, reason SyncFailed      -> Degraded: the controller could not compute the budget
--   False, any other reason       -> Degraded: e.g. InsufficientPods, evictions are blocked
--   no condition, or status older
--   than the spec (generation)    -> Progressing, waiting for the controller
-- Should several DisruptionAllowed conditions appear, a False one outweighs a
-- True one, and SyncFailed outweighs other reasons.

local WAITING = "Waiting for status"

local metadata = obj.metadata or {}
local status = obj.status or {}

local function weight(c)
  if c.status ~= "False" then
    return 1
  end
  if c.reason == "SyncFailed" then
    return 3
  end
  return 2
end

local function disruption_condition()
  local chosen = nil
  if type(status.conditions) ~= "table" then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if type(c) == "table" and c.type == "DisruptionAllowed" then
      if chosen == nil or weight(c) > weight(chosen) then
        chosen = c
      end
    end
  end
  return chosen
end

local function describe(c)
  if type(c.reason) == "string" and c.reason ~= "" then
    return "PodDisruptionBudget has " .. c.reason
  end
  if type(c.message) == "string" and c.message ~= "" then
    return c.message
  end
  return nil
end

local generation = tonumber(metadata.generation)
local observed = tonumber(status.observedGeneration)
if generation ~= nil and observed ~= nil and observed < generation then
  return { status = "Progressing", message = WAITING }
end

local c = disruption_condition()
if c == nil then
  return { status = "Progressing", message = WAITING }
end
if c.status == "True" then
  return { status = "Healthy", message = describe(c) or "PodDisruptionBudget allows disruptions" }
end
if c.status == "False" then
  return { status = "Degraded", message = describe(c) or "PodDisruptionBudget allows no disruptions" }
end
return { status = "Progressing", message = WAITING }
