-- NetApp Astra Schedule, a protection policy that creates snapshots/backups periodically.
-- It is healthy whether or not it has fired yet (status.lastScheduleTime), and suspended
-- when spec.enabled is false.
local h = require("herald")
local spec = type(obj.spec) == "table" and obj.spec or {}
if spec.enabled == false or spec.enabled == "false" then
  return h.suspended("Protection policy disabled")
end
local last = h.text(h.status(obj).lastScheduleTime)
if last then
  return h.healthy("Protection policy lastScheduleTime: " .. last)
end
return h.healthy("Protection policy not yet executed")
