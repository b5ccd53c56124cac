-- EventBus (Argo Events): the messaging layer (NATS, JetStream or Kafka) that
-- event sources and sensors share. Its controller reports two conditions:
-- Configured (the spec is valid) and Deployed (the bus is running).
--   any of them False       -> Degraded, with that condition's message
--   Deployed=True           -> Healthy
--   no status or Deployed
--   not reported yet        -> Progressing
local h = require("herald")
local failed = h.first_with(obj, "False")
local deployed -- the last Deployed condition counts

if failed then
  return h.degraded(h.explain(failed, "EventBus condition " .. tostring(failed.type) .. " is False"))
end
for _, c in ipairs(h.conditions(obj)) do
  if type(c) == "table" and c.type == "Deployed" then
    deployed = c
  end
end
if h.is(deployed, "True") then
  return h.healthy(h.text(deployed.message) or "EventBus is deployed")
end
return h.progressing("Waiting for the EventBus to be deployed")
