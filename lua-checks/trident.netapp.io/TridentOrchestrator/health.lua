-- NetApp Trident TridentOrchestrator: the operator reports the installation state in
-- status.status (its AppStatus):
--   Failed, Error               -> Degraded with status.message (Error is written on a second
--                                  TridentOrchestrator while another one controls Trident)
--   Uninstalled                 -> Suspended (spec.uninstall: Trident removed on purpose)
--   Installed                   -> Healthy
--   "", Installing, Updating, Uninstalling -> Progressing
local h = require("herald")
local s = h.status(obj)
if s.status == "Error" or s.status == "Failed" then
  return h.degraded(h.text(s.message) or "Trident installation failed")
end
if s.status == "Uninstalled" then
  return h.suspended(h.text(s.message) or "Trident uninstalled")
end
if s.status == "Installed" then
  return h.healthy(h.text(s.message) or "Trident installed")
end
return h.progressing("Waiting for trident installation")
