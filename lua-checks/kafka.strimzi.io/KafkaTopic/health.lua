-- Strimzi KafkaTopic. The topic operator reports Ready=True once the topic matches its spec, or
-- Ready=False (older operators: NotReady=True) whose message explains the failure (a partition
-- decrease, an unsupported replication factor change). ReconciliationPaused=True is suspended;
-- so is Unmanaged=True (strimzi.io/managed="false": the operator no longer touches the topic).
-- A replication factor change still pending or ongoing in Cruise Control (status.replicasChange)
-- is progressing. No conditions yet is progressing.
-- A Ready=True written for an older generation (status.observedGeneration behind
-- metadata.generation) is progressing: Strimzi's own readiness test wants both.
return require("strimzi").topic(obj, "Waiting for Kafka Topic")
