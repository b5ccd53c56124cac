-- Bitnami SealedSecret. The controller reports on the Synced condition whether it could decrypt
-- the sealed data and write the Secret.
--   no Synced condition, or status older than the spec -> Progressing (not decrypted yet)
--   Synced=True                                       -> Healthy
--   Synced=False                                      -> Degraded, with the controller's error
local h = require("herald")
local WAITING = "Waiting for Sealed Secret to be decrypted"
local function str(v) return type(v) == "string" and v or nil end

local synced = h.condition(obj, "Synced")
if synced == nil or h.field_lags(obj, "observedGeneration") then
  return h.progressing(WAITING)
end
if h.is(synced, "True") then
  return h.healthy(str(synced.message) or "")
end
if h.is(synced, "False") then
  return h.degraded(str(synced.message) or str(synced.reason) or "")
end
return h.progressing(str(synced.message) or WAITING)
