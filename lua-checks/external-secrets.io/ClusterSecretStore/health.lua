-- ClusterSecretStore health (the cluster-wide SecretStore).
-- External Secrets Operator validates the provider configuration of a store
-- and records the outcome in the Ready condition: True (reason Valid) when
-- the provider can be reached, False (ValidationFailed, InvalidProviderConfig,
-- ...) when it cannot. No Ready condition yet means the controller has not
-- looked at the store.

local STORE_KIND = "ClusterSecretStore"

local function text(value)
  if type(value) == "string" then
    return value
  end
  return ""
end

local function readyCondition()
  local status = obj.status
  if type(status) ~= "table" or type(status.conditions) ~= "table" then
    return nil
  end
  for _, cond in ipairs(status.conditions) do
    if type(cond) == "table" and cond.type == "Ready" then
      return cond
    end
  end
  return nil
end

local function health()
  local ready = readyCondition()
  if ready == nil then
    return { status = "Progressing", message = "Waiting for " .. STORE_KIND }
  end
  local message = text(ready.message)
  if ready.status == "True" then
    return { status = "Healthy", message = message }
  end
  if ready.status == "False" then
    if message == "" then
      message = STORE_KIND .. " is not ready: " .. text(ready.reason)
    end
    return { status = "Degraded", message = message }
  end
  if message == "" then
    message = "Waiting for " .. STORE_KIND
  end
  return { status = "Progressing", message = message }
end

return health()
