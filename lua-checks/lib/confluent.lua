-- Confluent for Kubernetes (platform.confluent.io): the CFK operator reports each cluster
-- component (Kafka, Zookeeper, Connect, ...) the same way, in status.phase plus a
-- StatefulSet availability condition. `require("confluent").cluster(obj, "Kafka")`.
local h = require("herald")

local M = {}

local AVAILABLE = "platform.confluent.io/statefulset-available"
local BLOCKED = "platform.confluent.io/block-reconcile"

-- True when the object carries CFK's block-reconcile annotation ("true"): the operator leaves
-- it alone until the annotation goes (docs: `kubectl confluent block-reconcile`).
function M.blocked(o)
  return h.annotation(o, BLOCKED) == "true"
end

-- status.phase decides: a phase naming FAIL or ERROR is Degraded; then the block-reconcile
-- annotation is Suspended (failure first); no phase yet is Progressing; RUNNING is Healthy
-- unless the StatefulSet-available condition is False or the rolling or garbage-collecting
-- condition is True (a roll or a shrink under way): Progressing; any other phase (PROVISIONING)
-- is Progressing. The message is "<kind> <phase in lower case>", with the
-- object's kind (or `kind` when it has none).
function M.cluster(o, kind)
  local name = h.text(h.field(o, "kind")) or kind
  local phase = h.text(h.status(o).phase)
  local failed = phase ~= nil
    and (string.find(phase, "FAIL", 1, true) or string.find(phase, "ERROR", 1, true))
  if failed then
    return h.degraded(name .. " " .. string.lower(phase))
  end
  if M.blocked(o) then
    return h.suspended("Reconciliation of " .. name .. " is blocked (" .. BLOCKED .. ")")
  end
  if phase == nil then
    return h.progressing("Waiting for " .. name .. " status")
  end
  local message = name .. " " .. string.lower(phase)
  if phase == "RUNNING" then
    local available = h.condition(o, AVAILABLE)
    if h.is(available, "False") then
      return h.progressing(h.explain(available, message))
    end
    -- A roll (restart or upgrade of the pods) or a shrink (pods being removed after a scale
    -- down) under way: running, but not settled.
    local busy = { "platform.confluent.io/rolling", "platform.confluent.io/garbage-collecting" }
    for _, t in ipairs(busy) do
      local c = h.condition(o, t)
      if h.is(c, "True") then
        return h.progressing(h.explain(c, message))
      end
    end
    return h.healthy(message)
  end
  return h.progressing(message)
end

return M
