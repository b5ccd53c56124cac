-- Crossplane provider-aws RDS DBCluster (an Aurora cluster), a managed resource
-- (lib/provider_aws.lua), refined by the AWS status the provider copies to status.atProvider.status:
--   Synced=False ReconcileError                    -> Degraded (the provider's error)
--   AWS status cloning-failed, migration-failed, inaccessible-encryption-credentials
--                                                  -> Degraded (Ready says only Unavailable)
--   Synced=False ReconcilePaused / crossplane.io/paused annotation -> Suspended
--   Synced=Unknown                                 -> Progressing
--   Ready=True (RDS reports the cluster available; "modifying" and "backing-up" count as available) -> Healthy
--   AWS status stopped                             -> Suspended (stopped by its owner)
--   no conditions yet, or Ready not True (Creating, Deleting, Unavailable: failing-over,
--   rebooting, upgrading, starting, maintenance...) -> Progressing, naming the AWS status
local h = require("herald")
local aws = require("provider_aws")
local FAILED = {
  ["cloning-failed"] = true, ["migration-failed"] = true,
  ["inaccessible-encryption-credentials"] = true,
}
local state = h.text(h.get(obj, "status", "atProvider", "status"))
return aws.rds(obj, aws.managed(obj, "DBCluster"), state, FAILED, "DB cluster")
