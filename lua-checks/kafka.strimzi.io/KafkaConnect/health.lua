-- Strimzi KafkaConnect. The Strimzi operators report Ready=True once the resource is reconciled, or a
-- NotReady=True / Ready=False condition whose message explains the failure. Paused
-- reconciliation (ReconciliationPaused=True) is suspended; Warning conditions are advice, not a
-- verdict; no conditions yet is progressing.
return require("strimzi").health(obj, "Waiting for Kafka Connect")
