-- OpenKruise CloneSet. Healthy when every replica runs the updated revision and is ready and
-- available. A paused update strategy is suspended, and so is a rollout that has reached its
-- partition (updatedReplicas >= expectedUpdatedReplicas): it waits for a person to move on.
return require("kruise").cloneset(obj)
