-- Crossplane provider-aws CloudFront Distribution, a managed resource (lib/provider_aws.lua):
--   Synced=False ReconcileError                    -> Degraded (the provider's error)
--   Synced=False ReconcilePaused / crossplane.io/paused annotation -> Suspended
--   Synced=Unknown                                 -> Progressing
--   Ready=True (CloudFront reports it deployed)    -> Healthy
--   no conditions yet, or Ready not True           -> Progressing
return require("provider_aws").managed(obj, "distribution")
