-- NetApp Astra ResticVolumeBackup, a one-shot data protection operation. status.state moves through
-- Pending/Running to Completed, or ends in Failed/Error (status.error explains why).
-- No status yet means the Astra connector has not picked the object up.
local h = require("herald")
local s = obj.status
local state = type(s) == "table" and h.text(s.state)

if not state then
  return h.progressing("No status available")
elseif state == "Completed" then
  return h.healthy("ResticVolumeBackup Completed")
elseif state == "Failed" or state == "Error" then
  return h.degraded(state)
end
return h.progressing("ResticVolumeBackup " .. state)
