-- NetApp Trident TridentOrchestrator: the operator reports the installation state in
-- status.status. Installed -> Healthy; Error/Failed -> Degraded with status.message; anything
-- else (Installing, Updating, Uninstalling, no status) -> Progressing.
local h = require("herald")
local s = h.status(obj)
if s.status == "Installed" then
  return h.healthy(h.text(s.message) or "Trident installed")
end
if s.status == "Error" or s.status == "Failed" then
  return h.degraded(h.text(s.message) or "Trident installation failed")
end
return h.progressing("Waiting for trident installation")
