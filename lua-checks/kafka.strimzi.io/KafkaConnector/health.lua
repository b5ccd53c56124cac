-- Strimzi KafkaConnector. The operator reports Ready=True once the connector is configured in the
-- Connect cluster, or NotReady=True whose message explains the failure (no such KafkaConnect,
-- a Connect cluster scaled to 0, a REST API error). Ready only covers the reconciliation, so the
-- Connect REST state in status.connectorStatus is read too: a FAILED connector or task is
-- degraded with its trace's first line; spec.state paused or stopped (or spec.pause) is suspended
-- once the connector is PAUSED or STOPPED (progressing until then); UNASSIGNED or RESTARTING is
-- progressing. ReconciliationPaused=True is suspended; no conditions yet is progressing.
return require("strimzi").connector(obj, "Waiting for KafkaConnector")
