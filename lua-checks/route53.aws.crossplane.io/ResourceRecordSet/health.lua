-- Crossplane provider-aws Route53 ResourceRecordSet (the waiting noun is spelled as the upstream cases expect), a managed resource (lib/provider_aws.lua):
--   Synced=False ReconcileError                    -> Degraded (the provider's error)
--   Synced=False ReconcilePaused / crossplane.io/paused annotation -> Suspended
--   Synced=Unknown                                 -> Progressing
--   Ready=True (the record set exists in the hosted zone) -> Healthy
--   no conditions yet, or Ready not True (Creating, Deleting, Unavailable) -> Progressing
return require("provider_aws").managed(obj, "resourcrecordset")
