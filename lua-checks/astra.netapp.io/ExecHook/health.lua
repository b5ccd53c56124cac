-- NetApp Astra ExecHook, a script Astra runs in matching containers around snapshots,
-- backups and restores. spec.enabled=true is in force (healthy), false switched off
-- (suspended); without the field, it waits for Astra (progressing).
local h = require("herald")

-- An ExecHook is configuration: Astra runs it at snapshot, backup or restore time and reports
-- nothing on the hook itself, so spec.enabled is the whole story.
local enabled = h.spec(obj).enabled
if enabled == false then
  return h.suspended("ExecHook disabled")
elseif enabled == true then
  return h.healthy("ExecHook enabled")
end
return h.progressing(require("astra").NO_STATUS)
