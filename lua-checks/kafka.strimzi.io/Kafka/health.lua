-- Strimzi Kafka. The cluster operator reports Ready=True once the cluster is reconciled, or
-- NotReady=True whose message explains the failure (its reason is the exception's class name).
-- A new cluster's first status, NotReady=True with reason Creating ("Kafka cluster is being
-- deployed"), is progressing. Paused reconciliation (ReconciliationPaused=True) is suspended;
-- Warning conditions are advice, not a verdict; no conditions yet is progressing.
-- A Ready=True written for an older generation (status.observedGeneration behind
-- metadata.generation) is progressing: Strimzi's own readiness test wants both.
return require("strimzi").health(obj, "Waiting for Kafka Cluster")
