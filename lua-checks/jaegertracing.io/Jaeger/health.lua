-- Jaeger operator Jaeger instance. status.phase is Running once the operator has rolled out
-- the Jaeger components and Failed when it could not; until a phase is set the instance is
-- still being created.
local h = require("herald")
local by_phase = {
  Running = h.healthy("Jaeger is running"),
  Failed = h.degraded("Jaeger Failed For Some Reason"),
}
return by_phase[h.text(h.status(obj).phase)] or h.progressing("Waiting for Jaeger")
