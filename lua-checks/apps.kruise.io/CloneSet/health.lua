-- OpenKruise CloneSet. Healthy when every replica runs the updated revision and is ready and
-- available. A paused update strategy is suspended, and so is a rollout that has reached its
-- partition (updatedReplicas >= expectedUpdatedReplicas): it waits for a person to move on.
-- Fewer updated replicas than replicas otherwise is an update under way (Progressing; Degraded
-- if no replica is ready at all); all updated but some not ready or available is Degraded; an
-- unobserved spec is Progressing.
return require("kruise").cloneset(obj)
