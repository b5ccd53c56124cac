-- PushSecret health.
-- A PushSecret writes a Kubernetes Secret to one or more external stores.
-- Its Ready condition is True (reason Synced) after a successful push and
-- False (reason Errored) when writing to a store failed; the condition message
-- carries the provider error. Before the first reconcile there is no Ready
-- condition.

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

local function health()
  local ready = findCondition("Ready")
  if ready == nil then
    return { status = "Progressing", message = "Waiting for PushSecret" }
  end
  local message = text(ready.message)
  if ready.status == "True" then
    return { status = "Healthy", message = message }
  end
  if ready.status == "False" then
    if message == "" then
      message = "PushSecret failed: " .. text(ready.reason)
    end
    return { status = "Degraded", message = message }
  end
  if message == "" then
    message = "Waiting for PushSecret"
  end
  return { status = "Progressing", message = message }
end

return health()
