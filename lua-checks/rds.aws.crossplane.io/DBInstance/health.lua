-- Crossplane provider-aws RDS DBInstance, a managed resource (lib/provider_aws.lua), refined by
-- the AWS status the provider copies to status.atProvider.dbInstanceStatus:
--   Synced=False ReconcileError                    -> Degraded (the provider's error)
--   AWS status failed, incompatible-*, insufficient-capacity, inaccessible-encryption-credentials,
--   restore-error, storage-full                    -> Degraded (Ready says only Unavailable)
--   Synced=False ReconcilePaused / crossplane.io/paused annotation -> Suspended
--   Synced=Unknown                                 -> Progressing
--   Ready=True (RDS reports the instance available; "modifying" and "backing-up" count as available) -> Healthy
--   AWS status stopped                             -> Suspended (stopped by its owner)
--   no conditions yet, or Ready not True (Creating, Deleting, Unavailable: rebooting, upgrading,
--   starting, maintenance...) -> Progressing, naming the AWS status
local h = require("herald")
local aws = require("provider_aws")
local FAILED = {
  ["failed"] = true, ["incompatible-create"] = true, ["incompatible-network"] = true,
  ["incompatible-option-group"] = true, ["incompatible-parameters"] = true,
  ["incompatible-restore"] = true, ["insufficient-capacity"] = true,
  ["inaccessible-encryption-credentials"] = true, ["restore-error"] = true, ["storage-full"] = true,
}
local state = h.text(h.get(obj, "status", "atProvider", "dbInstanceStatus"))
return aws.rds(obj, aws.managed(obj, "DBInstance"), state, FAILED, "DB instance")
