-- NetApp Astra ExecHook, a script Astra runs in matching containers around snapshots,
-- backups and restores. A hook with spec.enabled=false is switched off; otherwise it is
-- waiting until Astra reports a status for it.
local h = require("herald")
local spec = type(obj.spec) == "table" and obj.spec or {}
if spec.enabled == false then
  return h.suspended("ExecHook disabled")
end
if type(obj.status) ~= "table" then
  return h.progressing("No status available")
end
return h.healthy("ExecHook enabled")
