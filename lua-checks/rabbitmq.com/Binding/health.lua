-- RabbitMQ messaging-topology Binding: a binding between an exchange and a queue or exchange. The topology operator records the
-- outcome of its last create/update in the Ready condition: True -> Healthy, False -> Degraded
-- (with the server's error when given), missing or Unknown -> Unknown.
local h = require("herald")
local noun = "RabbitMQ binding"
local ready = h.condition(obj, "Ready")
if h.is(ready, "True") then
  return h.healthy(noun .. " ready")
end
if h.is(ready, "False") then
  local detail = h.text(ready.message)
  return h.degraded(noun .. " failed to be created or updated" .. (detail and (": " .. detail) or ""))
end
return h.unknown(noun .. " status is unknown")
