-- KubeVirt CDI DataVolume: a PVC being populated (import, upload, clone). status.phase tracks
-- the transfer; Succeeded means the disk is ready, Failed that it gave up. A Running condition
-- with reason Error carries the importer's failure while CDI keeps retrying.
--   Succeeded                                   -> Healthy
--   WaitForFirstConsumer, PendingPopulation     -> Healthy (the PVC waits for its first Pod)
--   Failed, or Running=False with reason Error  -> Degraded (the importer's message)
--   Paused (a multistage import waiting for its next checkpoint) -> Suspended
--   no phase yet, any other phase (scheduled, in progress, UploadReady...) -> Progressing
local h = require("herald")
local s = h.status(obj)
local phase = h.text(s.phase)
local running = h.condition(obj, "Running")

if phase == nil then
  return h.progressing("No status available")
elseif phase == "Succeeded" or phase == "WaitForFirstConsumer" or phase == "PendingPopulation" then
  return h.healthy(phase)
elseif phase == "Failed" or (h.is(running, "False") and running.reason == "Error") then
  -- A failure, even of a paused multistage import.
  return h.degraded(h.explain(running, phase))
elseif phase == "Paused" then
  return h.suspended(phase)
end
return h.progressing(phase)
