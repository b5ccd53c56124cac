-- EventBus (Argo Events): the messaging layer (NATS, JetStream or Kafka) that
-- event sources and sensors share. Its controller reports two conditions:
-- Configured (the spec is valid) and Deployed (the bus is running).
--   any of them False       -> Degraded, with that condition's message
--   Deployed=True           -> Healthy
--   no status or Deployed
--   not reported yet        -> Progressing

local function conditions()
  local list = (obj.status or {}).conditions
  if type(list) ~= "table" then
    return {}
  end
  return list
end

local function describe(c, fallback)
  if type(c.message) == "string" and c.message ~= "" then
    return c.message
  end
  if type(c.reason) == "string" and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

local deployed = nil
for _, c in ipairs(conditions()) do
  if type(c) == "table" then
    if c.status == "False" then
      return { status = "Degraded", message = describe(c, "EventBus condition " .. tostring(c.type) .. " is False") }
    end
    if c.type == "Deployed" then
      deployed = c
    end
  end
end

if deployed ~= nil and deployed.status == "True" then
  local message = deployed.message
  if type(message) ~= "string" or message == "" then
    message = "EventBus is deployed"
  end
  return { status = "Healthy", message = message }
end
return { status = "Progressing", message = "Waiting for the EventBus to be deployed" }
