-- OpenKruise Advanced StatefulSet. Healthy when every replica runs the updated revision and is
-- ready and available. A paused rolling update is suspended, as is one that has updated all
-- ordinals above its partition and now waits for the partition to be lowered.
return require("kruise").statefulset(obj)
