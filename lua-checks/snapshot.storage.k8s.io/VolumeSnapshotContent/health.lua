-- CSI VolumeSnapshotContent (the cluster-level snapshot backing a VolumeSnapshot). status.readyToUse=true means the snapshot can be
-- restored from: Healthy. status.error reports the last failure of the snapshot controller:
-- Degraded. A creationTime without readyToUse is a snapshot cut and still being processed, and
-- anything else is still being cut: Progressing. See lib/volume_snapshot.lua.
return require("volume_snapshot").health(obj)
