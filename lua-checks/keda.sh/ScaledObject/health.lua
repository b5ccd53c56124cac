-- KEDA ScaledObject. KEDA reports four conditions: Ready (the triggers and scale target are valid and
-- work), Active (triggers currently ask for scaling), Fallback (a trigger keeps failing and KEDA
-- fell back to fixed replicas) and Paused (the autoscaling.keda.sh/paused annotation took effect).
--   Paused=True   -> Suspended
--   Ready=False   -> Degraded (KEDA cannot scale the target)
--   Fallback=True -> Degraded (scaling runs on fallback values, a metric source is failing)
--   Ready=True    -> Healthy (whether or not it is Active: idle is normal)
--   otherwise     -> Progressing, with what KEDA says it is doing

local function index_conditions(status)
  local byType, first = {}, nil
  if status == nil or status.conditions == nil then
    return byType, first
  end
  for _, c in ipairs(status.conditions) do
    if c.type then
      byType[c.type] = c
    end
    if first == nil and c.message and c.message ~= "" then
      first = c
    end
  end
  return byType, first
end

local function is(c, value)
  return c ~= nil and c.status == value
end

local conditions, withMessage = index_conditions(obj.status)
local ready = conditions["Ready"]

if is(conditions["Paused"], "True") then
  return { status = "Suspended", message = conditions["Paused"].message or "ScaledObject is paused" }
end
if is(ready, "False") then
  return { status = "Degraded", message = ready.message or ready.reason or "ScaledObject is not ready" }
end
if is(conditions["Fallback"], "True") then
  return { status = "Degraded", message = conditions["Fallback"].message or "ScaledObject is using fallback replicas" }
end
if is(ready, "True") then
  return { status = "Healthy", message = ready.message or "" }
end

local message = "Waiting for ScaledObject to be ready"
if ready and ready.message and ready.message ~= "" then
  message = ready.message
elseif withMessage then
  message = withMessage.message
end
return { status = "Progressing", message = message }
