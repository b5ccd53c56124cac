-- Strimzi KafkaBridge. The Strimzi operators report Ready=True once the resource is reconciled, or a
-- NotReady=True / Ready=False condition whose message explains the failure. Paused
-- reconciliation (ReconciliationPaused=True) is suspended; Warning conditions are advice, not a
-- verdict; no conditions yet is progressing. Unlike the other Strimzi checks, a Ready=True
-- written for an older generation is not read as progressing here: Argo CD's published
-- KafkaBridge case (and the shared corpus built from it) fixes such an object as Healthy, and
-- herald keeps its verdict on those cases.
return require("strimzi").health(obj, "Waiting for KafkaBridge", true)
