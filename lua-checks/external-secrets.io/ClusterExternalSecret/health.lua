-- ClusterExternalSecret health.
-- A ClusterExternalSecret stamps out one ExternalSecret per selected
-- namespace. Namespaces where that failed are listed in
-- status.failedNamespaces and flagged by a condition: Ready=False in current
-- releases, NotReady=True or PartiallyReady=True in older ones. Any of those
-- is Degraded; Ready=True with no failed namespace is Healthy; no conditions
-- yet is Progressing.

local WAITING = "Waiting for ClusterExternalSecret"

local function list(value)
  if type(value) == "table" then
    return value
  end
  return {}
end

local function text(value)
  if type(value) == "string" then
    return value
  end
  return ""
end

local function findCondition(condType)
  local status = obj.status
  if type(status) ~= "table" then
    return nil
  end
  for _, cond in ipairs(list(status.conditions)) do
    if type(cond) == "table" and cond.type == condType then
      return cond
    end
  end
  return nil
end

-- "failed namespaces: a (reason), b" from status.failedNamespaces, or "".
local function failedNamespaces()
  local status = obj.status
  local parts = {}
  for _, entry in ipairs(list(type(status) == "table" and status.failedNamespaces or nil)) do
    if type(entry) == "table" and text(entry.namespace) ~= "" then
      local part = entry.namespace
      if text(entry.reason) ~= "" then
        part = part .. " (" .. entry.reason .. ")"
      end
      table.insert(parts, part)
    end
  end
  if #parts == 0 then
    return ""
  end
  return "failed namespaces: " .. table.concat(parts, ", ")
end

-- The condition that reports a failure, if any.
local function failureCondition()
  local ready = findCondition("Ready")
  if ready ~= nil and ready.status == "False" then
    return ready
  end
  for _, condType in ipairs({ "NotReady", "PartiallyReady" }) do
    local cond = findCondition(condType)
    if cond ~= nil and cond.status == "True" then
      return cond
    end
  end
  return nil
end

local function firstNonEmpty(...)
  for _, value in ipairs({ ... }) do
    if value ~= "" then
      return value
    end
  end
  return ""
end

local function health()
  local ready = findCondition("Ready")
  local failed = failedNamespaces()

  if ready ~= nil and ready.status == "True" and failed == "" then
    return { status = "Healthy", message = text(ready.message) }
  end

  local failure = failureCondition()
  if failure ~= nil or failed ~= "" then
    local reported = failure ~= nil and text(failure.message) or ""
    return {
      status = "Degraded",
      message = firstNonEmpty(reported, failed, "ClusterExternalSecret is not ready"),
    }
  end

  if ready == nil then
    return { status = "Progressing", message = WAITING }
  end
  return { status = "Progressing", message = firstNonEmpty(text(ready.message), WAITING) }
end

return health()
