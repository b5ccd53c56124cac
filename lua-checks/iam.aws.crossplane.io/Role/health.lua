-- Crossplane provider-aws Role (the managed resource for an IAM role), lib/provider_aws.lua:
--   Synced=False ReconcileError                    -> Degraded (the provider's error)
--   Ready=False Unavailable                        -> Degraded (the role, policy... is not usable)
--   Synced=False ReconcilePaused / crossplane.io/paused annotation -> Suspended
--   Synced=Unknown                                 -> Progressing
--   Ready=True (Available)                         -> Healthy
--   no Ready yet, Ready Creating / Deleting / Unknown -> Progressing
return require("provider_aws").iam(obj)
