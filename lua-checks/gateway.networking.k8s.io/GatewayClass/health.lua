-- GatewayClass health.
-- The controller named in spec.controllerName claims a GatewayClass by
-- setting Accepted=True. Accepted=False (invalid parameters, unsupported
-- class) or SupportedVersion=False (installed Gateway API CRDs not supported
-- by the controller) is Degraded. No status yet, Accepted=Unknown/Pending, or
-- an Accepted condition older than metadata.generation is Progressing.

local WAITING = "Waiting for GatewayClass status"

local function text(value)
  if type(value) == "string" then
    return value
  end
  return ""
end

local function findCondition(condType)
  local status = obj.status
  if type(status) ~= "table" or type(status.conditions) ~= "table" then
    return nil
  end
  for _, cond in ipairs(status.conditions) do
    if type(cond) == "table" and cond.type == condType then
      return cond
    end
  end
  return nil
end

local function isStale(cond)
  local meta = obj.metadata
  local gen = type(meta) == "table" and meta.generation or nil
  return type(gen) == "number" and type(cond.observedGeneration) == "number" and cond.observedGeneration < gen
end

local function messageOr(cond, fallback)
  local msg = text(cond.message)
  if msg ~= "" then
    return msg
  end
  return fallback
end

local function health()
  local accepted = findCondition("Accepted")
  if accepted == nil or isStale(accepted) then
    return { status = "Progressing", message = WAITING }
  end

  local version = findCondition("SupportedVersion")
  if version ~= nil and version.status == "False" and not isStale(version) then
    return { status = "Degraded", message = messageOr(version, "GatewayClass CRD version is not supported") }
  end

  if accepted.status == "True" then
    return { status = "Healthy", message = "GatewayClass has been accepted" }
  end
  if accepted.status == "False" and accepted.reason ~= "Pending" then
    return { status = "Degraded", message = messageOr(accepted, "GatewayClass has not been accepted") }
  end
  return { status = "Progressing", message = messageOr(accepted, WAITING) }
end

return health()
