-- NetApp Trident TridentBackendConfig: status.lastOperationStatus reports the last backend
-- operation (Success, Failed, Progressing) and status.phase the binding (Bound, Unbound,
-- Deleting). A failed operation is Degraded; Success on a Bound backend is Healthy; anything
-- else (creating, deleting, unbound) is Progressing.
local h = require("herald")
local s = h.status(obj)
local op, phase = s.lastOperationStatus, s.phase
if op == "Failed" then
  return h.degraded(h.text(s.message) or "Backend operation failed")
end
if phase == "Deleting" then
  return h.progressing("Backend is being deleted")
end
if op == "Success" and phase == "Bound" then
  return h.healthy(h.text(s.message) or "Backend is bound")
end
return h.progressing("Waiting for backend creation")
