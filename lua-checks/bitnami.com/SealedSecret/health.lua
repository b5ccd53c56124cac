-- Bitnami SealedSecret. The controller reports on the Synced condition whether it could decrypt
-- the sealed data and write the Secret.
--   Synced=False                                      -> Degraded, with the controller's error
--                                                        (even for an older spec)
--   no Synced condition, or status older than the spec -> Progressing (not decrypted yet)
--   Synced=True                                       -> Healthy
local h = require("herald")
local WAITING = "Waiting for Sealed Secret to be decrypted"
local function str(v) return type(v) == "string" and v or nil end

local synced = h.condition(obj, "Synced")
if h.is(synced, "False") then
  -- The last attempt failed; a newer spec not yet tried does not hide that (failure first).
  return h.degraded(str(synced.message) or str(synced.reason) or "")
end
if synced == nil or h.field_lags(obj, "observedGeneration") then
  return h.progressing(WAITING)
end
if h.is(synced, "True") then
  return h.healthy(str(synced.message) or "")
end
return h.progressing(str(synced.message) or WAITING)
