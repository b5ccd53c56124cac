-- NetApp Trident TridentBackendConfig: status.lastOperationStatus reports the last backend
-- operation (Success, Failed, or still processing) and status.phase the binding to a
-- TridentBackend ("" unbound, Bound, Deleting, Unknown, Lost). In the order read:
--   last operation Failed       -> Degraded, with status.message
--   phase Lost                  -> Degraded (the bound TridentBackend no longer exists)
--   phase Deleting              -> Progressing (deletionPolicy delete, backend being removed)
--   phase Unknown               -> Unknown (Trident lost track of the binding, e.g. after its
--                                  backend CRD was removed)
--   Success on a Bound backend  -> Healthy
--   anything else (creating, not bound yet) -> Progressing
local h = require("herald")
local s = h.status(obj)
local op, phase = s.lastOperationStatus, s.phase
if op == "Failed" then
  return h.degraded(h.text(s.message) or "Backend operation failed")
end
if phase == "Lost" then
  return h.degraded(h.text(s.message) or "The TridentBackend bound to this config no longer exists")
end
if phase == "Deleting" then
  return h.progressing("Backend is being deleted")
end
if phase == "Unknown" then
  return h.unknown(h.text(s.message) or "Binding to a TridentBackend is unknown")
end
if op == "Success" and phase == "Bound" then
  return h.healthy(h.text(s.message) or "Backend is bound")
end
return h.progressing("Waiting for backend creation")
