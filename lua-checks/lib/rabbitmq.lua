-- RabbitMQ messaging-topology operator (rabbitmq.com): every topology kind (Binding, Exchange,
-- Permission, Policy, Queue, Shovel, User, Vhost...) records the outcome of its last
-- create/update in the Ready condition. `require("rabbitmq").topology(obj, noun)`.
local h = require("herald")

local M = {}

-- Ready=True -> Healthy "<noun> ready"; Ready=False -> Degraded with the server's error when
-- given; missing or Unknown -> Unknown.
function M.topology(o, noun)
  local ready = h.condition(o, "Ready")
  if h.is(ready, "True") then
    return h.healthy(noun .. " ready")
  end
  if h.is(ready, "False") then
    local detail = h.text(ready.message)
    return h.degraded(noun .. " failed to be created or updated" .. (detail and (": " .. detail) or ""))
  end
  return h.unknown(noun .. " status is unknown")
end

return M
