-- OpenKruise Advanced StatefulSet. Healthy when every replica runs the updated revision and is
-- ready and available. A paused rolling update is suspended, as is one that has updated all
-- ordinals above its partition and now waits for the partition to be lowered.
-- Fewer updated replicas than replicas otherwise is an update under way (Progressing; Degraded
-- if no replica is ready at all); all updated but some not ready or available is Degraded; an
-- unobserved spec is Progressing.
return require("kruise").statefulset(obj)
