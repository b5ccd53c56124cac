-- Crossplane provider-aws RDS DBInstance. Synced=False is a failed reconcile (Degraded with the
-- provider's error) unless it is ReconcilePaused (Suspended, e.g. crossplane.io/paused).
-- Ready=True (Available) is Healthy; Ready not yet True means AWS is still creating or
-- changing the resource: Progressing.
return require("provider_aws").managed(obj, "DBInstance")
