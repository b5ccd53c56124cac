-- ExternalSecret health.
-- The controller copies data from an external store into a Kubernetes Secret
-- and reports the outcome in the Ready condition: True (reason SecretSynced)
-- after a sync, False (reason SecretSyncedError and others) when fetching or
-- writing failed. status.syncedResourceVersion is "<generation>-<hash>" of the
-- spec/metadata last synced; when it names an older generation than the
-- object's, the latest change (or a forced refresh) has not been applied yet.
-- With refreshPolicy CreatedOnce the secret is deliberately never re-synced,
-- so an older generation is expected there.
--   Ready=False (SecretSyncedError: fetching, templating or writing failed) -> Degraded
--   Ready=True, reason SecretSynced                                          -> Healthy
--   Ready=True, reason SecretDeleted (deletionPolicy Delete: the provider has
--     no data, so the operator deleted the target secret, as asked)          -> Healthy
--   Ready=True, reason SecretMissing (creationPolicy Merge: the secret to
--     merge into does not exist yet; the operator waits for it until the
--     next refresh)                                                          -> Progressing
--   Ready Unknown or missing, or an older generation synced                  -> Progressing
local h = require("herald")
local verdict = require("external_secrets").ready(obj, "Waiting for ExternalSecret",
  "ExternalSecret failed to sync: ")
local generation = h.get(obj, "metadata", "generation")
-- The generation encoded in status.syncedResourceVersion, or nil.
local synced = tonumber(string.match(h.text(h.status(obj).syncedResourceVersion) or "", "^(%d+)-"))

local ready = h.condition(obj, "Ready")
if verdict.status == "Healthy" and h.field(ready, "reason") == "SecretMissing" then
  return h.progressing(h.explain(ready, "Waiting for the target secret to exist, to merge into it"))
end
if verdict.status == "Healthy" and type(generation) == "number" and synced ~= nil
    and synced < generation and h.spec(obj).refreshPolicy ~= "CreatedOnce" then
  local message = string.format("Waiting for ExternalSecret to sync generation %d", generation)
  return h.progressing(message)
end
return verdict
