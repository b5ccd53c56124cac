-- CSI VolumeSnapshotContent (the cluster-level snapshot backing a VolumeSnapshot). status.readyToUse=true means the snapshot can be
-- restored from: Healthy. status.error reports the last failure of the snapshot controller:
-- Degraded. Anything else is still being cut: Progressing.
return require("volume_snapshot").health(obj)
