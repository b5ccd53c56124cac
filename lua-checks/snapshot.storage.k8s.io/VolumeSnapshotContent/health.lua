-- CSI VolumeSnapshotContent (the cluster-level snapshot backing a VolumeSnapshot). status.readyToUse=true means the snapshot can be
-- restored from: Healthy. status.error reports the last failure of the snapshot controller:
-- Degraded. Anything else is still being cut: Progressing.
local h = require("herald")
local s = h.status(obj)
if s.readyToUse == true then
  return h.healthy("Ready to use")
end
if type(s.error) == "table" and (h.text(s.error.message) or s.readyToUse == false) then
  return h.degraded(h.text(s.error.message) or "Snapshot failed")
end
return h.progressing("Waiting for status")
