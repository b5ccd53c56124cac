-- NetApp Astra AppVault, the object-store bucket that holds backups. status.state is
-- "available" once Astra can use the bucket and "failed" when it cannot (status.error says why).
local h = require("herald")
local s = obj.status
local state = type(s) == "table" and h.text(s.state)

if not state then
  return h.progressing("No status available")
elseif state == "available" then
  return h.healthy("AppVault Available")
elseif state == "failed" then
  return h.degraded("AppVault Failed")
end
return h.progressing("AppVault " .. state)
