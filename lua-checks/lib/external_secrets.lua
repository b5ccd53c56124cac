-- External Secrets Operator (external-secrets.io): stores, ExternalSecrets and PushSecrets all
-- report the outcome of their last reconcile in a Ready condition.
-- `require("external_secrets").ready(obj, waiting, failed)`, `.store(obj, "SecretStore")`.
local h = require("herald")

local M = {}

-- The Ready condition decides: True is Healthy, False is Degraded, any other status is
-- Progressing, each with the condition's message. Without a message, False says `failed`
-- followed by the reason and the others say `waiting`; no Ready condition yet is Progressing
-- with `waiting`.
function M.ready(o, waiting, failed)
  local ready = h.condition(o, "Ready")
  if ready == nil then
    return h.progressing(waiting)
  end
  local message = h.text(ready.message)
  if ready.status == "True" then
    return h.healthy(message)
  elseif ready.status == "False" then
    return h.degraded(message or (failed .. (h.text(ready.reason) or "")))
  end
  return h.progressing(message or waiting)
end

-- A SecretStore or ClusterSecretStore: Ready tells whether the provider can be reached: True
-- with reason Valid, or ValidationUnknown when the provider cannot check its credentials
-- (the store is used all the same: Healthy, with that message); False with reason
-- InvalidStoreConfiguration, InvalidProviderConfig or ValidationFailed.
function M.store(o, kind)
  return M.ready(o, "Waiting for " .. kind, kind .. " is not ready: ")
end

return M
