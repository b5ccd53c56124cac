-- Prometheus (prometheus-operator). The operator reports Reconciled (it could generate the
-- configuration and the StatefulSets) and Available, which is True, False or "Degraded" (some but
-- not all Prometheus pods are ready).
--   spec.paused                        -> Suspended (the operator leaves the resource alone)
--   conditions for an older generation -> Progressing
--   Reconciled=False                   -> Degraded
--   Available=False                    -> Degraded (no pod is ready)
--   Available=Degraded or Unknown      -> Progressing (pods still rolling out or starting)
--   Available=True                     -> Healthy

local function by_type(status)
  local found = {}
  if status and status.conditions then
    for _, c in ipairs(status.conditions) do
      if c.type then
        found[c.type] = c
      end
    end
  end
  return found
end

-- The condition's message, else its reason, else the fallback.
local function describe(c, fallback)
  if c.message and c.message ~= "" then
    return c.message
  end
  if c.reason and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

local function stale(c)
  local generation = obj.metadata and obj.metadata.generation
  return c.observedGeneration ~= nil and generation ~= nil and c.observedGeneration < generation
end

if obj.spec and obj.spec.paused == true then
  return { status = "Suspended", message = "Prometheus is paused" }
end

local conditions = by_type(obj.status)
local reconciled = conditions["Reconciled"]
local available = conditions["Available"]
if (available and stale(available)) or (reconciled and stale(reconciled)) then
  return { status = "Progressing", message = "Waiting for the operator to reconcile the latest spec" }
end
if reconciled and reconciled.status == "False" then
  return { status = "Degraded", message = describe(reconciled, "The operator failed to reconcile the Prometheus") }
end
if available == nil then
  return { status = "Progressing", message = "Waiting for the operator to report availability" }
end
if available.status == "False" then
  return { status = "Degraded", message = describe(available, "No Prometheus pod is available") }
end
if available.status == "True" then
  return { status = "Healthy", message = describe(available, "") }
end
return { status = "Progressing", message = describe(available, "Waiting for Prometheus pods to become available") }
