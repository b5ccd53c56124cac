-- ApplicationSet (Argo CD): judged by the conditions its controller keeps.
--   ErrorOccurred=True, ParametersGenerated=False or ResourcesUpToDate=False
--                              -> Degraded, with the condition's message
--   ResourcesUpToDate=True     -> healthy; not ready while RolloutProgressing=True (a
--                                 progressive sync is under way), herald's own return form
--   none of these yet          -> Progressing, the controller has not reported
-- ErrorOccurred=False is the normal state and says nothing on its own.

local WAITING = "Waiting for the status to be reported"

local function conditions_by_type()
  local found = {}
  local list = (obj.status or {}).conditions
  if type(list) ~= "table" then
    return found
  end
  for _, c in ipairs(list) do
    if type(c) == "table" and c.type ~= nil and found[c.type] == nil then
      found[c.type] = c
    end
  end
  return found
end

local function has_status(c, wanted)
  return c ~= nil and c.status == wanted
end

local function explain(c, fallback)
  if type(c.message) == "string" and c.message ~= "" then
    return c.message
  end
  if type(c.reason) == "string" and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

local cond = conditions_by_type()

if has_status(cond.ErrorOccurred, "True") then
  return { status = "Degraded", message = explain(cond.ErrorOccurred, "ApplicationSet has an error") }
end
if has_status(cond.ParametersGenerated, "False") then
  return { status = "Degraded", message = explain(cond.ParametersGenerated, "Parameters could not be generated") }
end
if has_status(cond.ResourcesUpToDate, "False") then
  return { status = "Degraded", message = explain(cond.ResourcesUpToDate, "Applications are not up to date") }
end
if has_status(cond.ResourcesUpToDate, "True") and has_status(cond.RolloutProgressing, "True") then
  return {
    health = "healthy",
    ready = false,
    status = "RolloutProgressing",
    message = explain(cond.RolloutProgressing, "ApplicationSet rollout is progressing"),
  }
end
if has_status(cond.ResourcesUpToDate, "True") then
  return { status = "Healthy", message = explain(cond.ResourcesUpToDate, "ApplicationSet is up to date") }
end
return { status = "Progressing", message = WAITING }
