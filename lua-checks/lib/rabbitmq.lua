-- RabbitMQ messaging-topology operator (rabbitmq.com): every topology kind (Binding, Exchange,
-- Permission, Policy, Queue, Shovel, User, Vhost...) records the outcome of its last declaration
-- against the RabbitMQ server in the Ready condition. The operator writes only two states:
-- Ready=True (reason SuccessfulCreateOrUpdate) together with status.observedGeneration, and
-- Ready=False (reason FailedCreateOrUpdate, the server's or the cluster reference's error as the
-- message) without moving observedGeneration. `require("rabbitmq").topology(obj, noun)`.
--   Ready=False                     -> Degraded (with the error)
--   Ready=True                      -> Healthy
--   Ready Unknown, or no Ready yet  -> Unknown: the operator never writes Ready=Unknown, and
--                                      while the referenced RabbitmqCluster does not exist it
--                                      requeues without writing any status, so an object with
--                                      no Ready may be stuck, not about to be declared
-- No generation lag is read: objects in the field show Ready=True with metadata.generation ahead
-- of status.observedGeneration, so a lag there does not reliably mean an undeclared spec.
local h = require("herald")

local M = {}

function M.topology(o, noun)
  local ready = h.condition(o, "Ready")
  if h.is(ready, "False") then
    local detail = h.text(ready.message)
    return h.degraded(noun .. " failed to be created or updated" .. (detail and (": " .. detail) or ""))
  end
  if h.is(ready, "True") then
    return h.healthy(noun .. " ready")
  end
  return h.unknown(noun .. " status is unknown")
end

return M
