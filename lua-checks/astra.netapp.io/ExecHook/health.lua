-- NetApp Astra ExecHook, a script Astra runs in matching containers around snapshots,
-- backups and restores. A hook with spec.enabled=false is switched off; otherwise it is
-- waiting until Astra reports a status for it.
local h = require("herald")

if h.spec(obj).enabled == false then
  return h.suspended("ExecHook disabled")
elseif type(obj.status) ~= "table" then
  return h.progressing(require("astra").NO_STATUS)
end
return h.healthy("ExecHook enabled")
