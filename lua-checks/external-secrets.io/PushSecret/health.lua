-- PushSecret health.
-- A PushSecret writes a Kubernetes Secret to one or more external stores.
-- Its Ready condition is True (reason Synced) after a successful push and
-- False (reason Errored) when writing to a store failed; the condition message
-- carries the provider error. Before the first reconcile there is no Ready
-- condition.
return require("external_secrets").ready(obj, "Waiting for PushSecret", "PushSecret failed: ")
