-- Confluent for Kubernetes (platform.confluent.io): the CFK operator reports each cluster
-- component (Kafka, Zookeeper, Connect, ...) the same way, in status.phase plus a
-- StatefulSet availability condition. `require("confluent").cluster(obj, "Kafka")`.
local h = require("herald")

local M = {}

local AVAILABLE = "platform.confluent.io/statefulset-available"

-- status.phase decides: none yet is Progressing; a phase naming FAIL or ERROR is Degraded;
-- RUNNING is Healthy unless the StatefulSet-available condition is False (Progressing); any
-- other phase is Progressing. The message is "<kind> <phase in lower case>", with the
-- object's kind (or `kind` when it has none).
function M.cluster(o, kind)
  local name = h.text(h.field(o, "kind")) or kind
  local phase = h.text(h.status(o).phase)
  if phase == nil then
    return h.progressing("Waiting for " .. name .. " status")
  end
  local message = name .. " " .. string.lower(phase)
  if string.find(phase, "FAIL", 1, true) or string.find(phase, "ERROR", 1, true) then
    return h.degraded(message)
  end
  if phase == "RUNNING" then
    local available = h.condition(o, AVAILABLE)
    if h.is(available, "False") then
      return h.progressing(h.explain(available, message))
    end
    return h.healthy(message)
  end
  return h.progressing(message)
end

return M
