-- Rook CephObjectStore (RGW). status.phase is Progressing while the gateways are set up,
-- Ready (or Connected, for an external store) when they serve requests, Failure on error.
local h = require("herald")
local phase = h.text(h.status(obj).phase)
if phase == nil then
  return h.progressing("Waiting for status to be reported")
end
local msg = "Ceph object store phase is " .. phase
if phase == "Ready" or phase == "Connected" then
  return h.healthy(msg)
elseif phase == "Failure" then
  return h.degraded(msg)
end
return h.progressing(msg)
