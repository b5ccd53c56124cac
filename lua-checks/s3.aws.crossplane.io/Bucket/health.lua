-- Crossplane provider-aws S3 Bucket, a managed resource (lib/provider_aws.lua):
--   Synced=False ReconcileError                    -> Degraded (the provider's error)
--   Synced=False ReconcilePaused / crossplane.io/paused annotation -> Suspended
--   Synced=Unknown                                 -> Progressing
--   Ready=True (the bucket exists) -> Healthy
--   no conditions yet, or Ready not True (Creating, Deleting, Unavailable) -> Progressing
return require("provider_aws").managed(obj, "Bucket")
