-- Confluent for Kubernetes KsqlDB. The CFK operator reports the cluster's lifecycle in
-- status.phase (PROVISIONING while it creates or rolls the StatefulSet, RUNNING once it is up).
-- RUNNING is Healthy unless the StatefulSet lost minimum availability; a phase naming a failure
-- or error is Degraded; any other phase is Progressing.
local h = require("herald")
local kind = h.text(obj.kind) or "KsqlDB"
local phase = h.text(h.status(obj).phase)

if phase == nil then
  return h.progressing("Waiting for " .. kind .. " status")
end
local message = kind .. " " .. string.lower(phase)
if string.find(phase, "FAIL") or string.find(phase, "ERROR") then
  return h.degraded(message)
end
if phase == "RUNNING" then
  local available = h.condition(obj, "platform.confluent.io/statefulset-available")
  if h.is(available, "False") then
    return h.progressing(h.explain(available, message))
  end
  return h.healthy(message)
end
return h.progressing(message)
