-- Karpenter NodePool. Ready sums up whether Karpenter can provision from the pool (the spec is
-- valid, the referenced NodeClass is ready); NodeRegistrationHealthy, when reported, says
-- whether nodes launched for the pool manage to join the cluster.
--   Ready=False                    -> Degraded
--   NodeRegistrationHealthy=False  -> Degraded (nodes keep failing to register)
--   Ready=True                     -> Healthy
--   otherwise                      -> Progressing

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

-- The first False condition other than Ready, to explain a Ready=False without a message.
local function first_false_dependency(status)
  if status and status.conditions then
    for _, c in ipairs(status.conditions) do
      if c.type ~= "Ready" and c.status == "False" then
        return c
      end
    end
  end
  return nil
end

local function text(c)
  if c.message and c.message ~= "" then
    return c.message
  end
  if c.reason and c.reason ~= "" then
    return c.type .. " is False: " .. c.reason
  end
  return c.type .. " is False"
end

local conditions = by_type(obj.status)
local ready = conditions["Ready"]
local registration = conditions["NodeRegistrationHealthy"]

if ready and ready.status == "False" then
  if ready.message and ready.message ~= "" then
    return { status = "Degraded", message = ready.message }
  end
  return { status = "Degraded", message = text(first_false_dependency(obj.status) or ready) }
end
if registration and registration.status == "False" then
  return { status = "Degraded", message = text(registration) }
end
if ready and ready.status == "True" then
  return { status = "Healthy", message = "NodePool is ready" }
end
if ready and ready.message and ready.message ~= "" then
  return { status = "Progressing", message = ready.message }
end
return { status = "Progressing", message = "Waiting for NodePool to be ready" }
