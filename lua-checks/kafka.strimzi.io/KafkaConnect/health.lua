-- Strimzi KafkaConnect. The Strimzi operators report Ready=True once the resource is reconciled, or a
-- NotReady=True / Ready=False condition whose message explains the failure. Paused
-- reconciliation (ReconciliationPaused=True) is suspended; Warning conditions are advice, not a
-- verdict; no conditions yet is progressing.
-- A Ready=True written for an older generation (status.observedGeneration behind
-- metadata.generation) is progressing: Strimzi's own readiness test wants both.
return require("strimzi").health(obj, "Waiting for Kafka Connect")
