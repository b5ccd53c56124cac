-- CSI volume snapshots (snapshot.storage.k8s.io): VolumeSnapshot and VolumeSnapshotContent
-- share one status shape (readyToUse, error). `require("volume_snapshot").health(obj)`.
local h = require("herald")

local M = {}

-- readyToUse=true is Healthy; an error with a message (or readyToUse=false) is Degraded;
-- anything else is still being cut: Progressing.
function M.health(o)
  local s = h.status(o)
  if s.readyToUse == true then
    return h.healthy("Ready to use")
  end
  local err = s.error
  if type(err) == "table" and (h.text(err.message) or s.readyToUse == false) then
    return h.degraded(h.text(err.message) or "Snapshot failed")
  end
  return h.progressing("Waiting for status")
end

return M
