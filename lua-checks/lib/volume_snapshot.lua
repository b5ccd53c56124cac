-- CSI volume snapshots (snapshot.storage.k8s.io): VolumeSnapshot and VolumeSnapshotContent
-- share one status shape (readyToUse, creationTime, error). `require("volume_snapshot").health(obj)`.
-- The external-snapshotter documents status.error as the last error seen while creating the
-- snapshot (it keeps retrying and clears the error on success), and creationTime as the moment
-- the storage system cut the snapshot, which may come well before readyToUse (a snapshot being
-- uploaded or processed after the cut).
local h = require("herald")

local M = {}

--   readyToUse=true                  -> Healthy
--   error with a message, or an error with readyToUse=false
--                                    -> Degraded, with the snapshotter's message
--   creationTime set, not ready yet  -> Progressing (cut, being processed before use)
--   anything else (no status yet, bound but not cut) -> Progressing
function M.health(o)
  local s = h.status(o)
  if s.readyToUse == true then
    return h.healthy("Ready to use")
  end
  local err = s.error
  if type(err) == "table" and (h.text(err.message) or s.readyToUse == false) then
    return h.degraded(h.text(err.message) or "Snapshot failed")
  end
  if s.creationTime ~= nil then
    return h.progressing("Snapshot cut, waiting for it to be ready to use")
  end
  return h.progressing("Waiting for status")
end

return M
