-- Jaeger operator Jaeger instance. status.phase is Running once the operator has rolled out
-- the Jaeger components and Failed when it could not; until a phase is set the instance is
-- still being created.
local h = require("herald")
local phase = h.text(h.status(obj).phase)
if phase == "Running" then
  return h.healthy("Jaeger is running")
elseif phase == "Failed" then
  return h.degraded("Jaeger Failed For Some Reason")
end
return h.progressing("Waiting for Jaeger")
