-- Humio operator HumioAlert. status.state reports whether the alert exists in the Humio
-- cluster: Exists is healthy, NotFound means it is missing, ConfigError means the spec cannot be
-- applied, Unknown means the operator could not tell. No state yet: not reconciled.
local h = require("herald")
local state = h.text(h.status(obj).state)
if state == nil then
  return h.progressing("Update in progress")
end
local message = "Component state: " .. state .. "."
if state == "Exists" then
  return h.healthy(message)
elseif state == "NotFound" then
  return { status = "Missing", message = message }
elseif state == "ConfigError" then
  return h.degraded(message)
elseif state == "Unknown" then
  return h.unknown(message)
end
return h.progressing(message)
