-- PushSecret health.
-- A PushSecret writes a Kubernetes Secret to one or more external stores.
-- Its Ready condition is True (reason Synced) after a successful push and
-- False (reason Errored) when writing to a store failed; the condition message
-- carries the provider error. Before the first reconcile there is no Ready
-- condition. Like an ExternalSecret, status.syncedResourceVersion is
-- "<generation>-<hash>" of the spec/metadata last pushed.
--   Ready=False                                              -> Degraded
--   Ready=True, but an older generation pushed (the latest
--     spec is not in the stores yet)                          -> Progressing
--   Ready=True                                               -> Healthy
--   Ready Unknown or missing                                  -> Progressing
local h = require("herald")
local verdict = require("external_secrets").ready(obj, "Waiting for PushSecret", "PushSecret failed: ")
local generation = h.get(obj, "metadata", "generation")
-- The generation encoded in status.syncedResourceVersion, or nil.
local synced = tonumber(string.match(h.text(h.status(obj).syncedResourceVersion) or "", "^(%d+)-"))
if verdict.status == "Healthy" and type(generation) == "number" and synced ~= nil and synced < generation then
  return h.progressing(string.format("Waiting for PushSecret to push generation %d", generation))
end
return verdict
