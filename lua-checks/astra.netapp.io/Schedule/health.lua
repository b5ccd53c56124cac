-- NetApp Astra Schedule, a protection policy that creates snapshots/backups periodically.
-- It is healthy whether or not it has fired yet (status.lastScheduleTime), and suspended
-- when spec.enabled is false.
local h = require("herald")
local enabled = h.spec(obj).enabled
local last = h.text(h.status(obj).lastScheduleTime)

if enabled == false or enabled == "false" then
  return h.suspended("Protection policy disabled")
end
return h.healthy(last and ("Protection policy lastScheduleTime: " .. last) or "Protection policy not yet executed")
