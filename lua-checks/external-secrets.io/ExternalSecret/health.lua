-- ExternalSecret health.
-- The controller copies data from an external store into a Kubernetes Secret
-- and reports the outcome in the Ready condition: True (reason SecretSynced)
-- after a sync, False (reason SecretSyncedError and others) when fetching or
-- writing failed. status.syncedResourceVersion is "<generation>-<hash>" of the
-- spec/metadata last synced; when it names an older generation than the
-- object's, the latest change (or a forced refresh) has not been applied yet.
-- With refreshPolicy CreatedOnce the secret is deliberately never re-synced,
-- so an older generation is expected there.

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

-- The generation encoded in status.syncedResourceVersion, or nil.
local function syncedGeneration()
  local status = obj.status
  if type(status) ~= "table" then
    return nil
  end
  local prefix = string.match(text(status.syncedResourceVersion), "^(%d+)-")
  return tonumber(prefix)
end

local function awaitingResync()
  local meta, spec = obj.metadata, obj.spec
  local gen = type(meta) == "table" and meta.generation or nil
  if type(gen) ~= "number" then
    return false
  end
  if type(spec) == "table" and spec.refreshPolicy == "CreatedOnce" then
    return false
  end
  local synced = syncedGeneration()
  return synced ~= nil and synced < gen
end

local function health()
  local ready = findCondition("Ready")
  if ready == nil then
    return { status = "Progressing", message = "Waiting for ExternalSecret" }
  end
  local message = text(ready.message)
  if ready.status == "False" then
    if message == "" then
      message = "ExternalSecret failed to sync: " .. text(ready.reason)
    end
    return { status = "Degraded", message = message }
  end
  if ready.status ~= "True" then
    if message == "" then
      message = "Waiting for ExternalSecret"
    end
    return { status = "Progressing", message = message }
  end
  if awaitingResync() then
    return {
      status = "Progressing",
      message = string.format("Waiting for ExternalSecret to sync generation %d", obj.metadata.generation),
    }
  end
  return { status = "Healthy", message = message }
end

return health()
