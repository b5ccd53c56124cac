-- Upbound (Crossplane, upjet-generated) provider resources. Managed resources carry the
-- crossplane-runtime conditions Synced (did the last reconcile with the cloud API succeed) and
-- Ready (is the external resource available), plus upjet's LastAsyncOperation (False with reason
-- ApplyFailure, DestroyFailure... when the last asynchronous Terraform operation failed) and
-- AsyncOperation (False with reason Ongoing while one runs, True with reason Finished after).
-- Pausing follows Crossplane: the annotation crossplane.io/paused: "true", recorded as
-- Synced=False with reason ReconcilePaused.
--   ProviderConfig, ClusterProviderConfig, ProviderConfigUsage without conditions -> Healthy
--   a managed resource (spec.forProvider) without conditions yet  -> Progressing
--   Synced=False (not ReconcilePaused), LastAsyncOperation=False   -> Degraded (the error)
--   Ready=False Unavailable                                        -> Degraded
--   Synced=False ReconcilePaused or the pause annotation           -> Suspended
--   AsyncOperation=False Ongoing (an apply or destroy running)     -> Progressing
--   Ready=True (and Synced not Unknown)                            -> Healthy
--   otherwise (Creating, Deleting, Unknown)                        -> Progressing
local h = require("herald")
local c = h.by_type(obj)
local synced, ready, last = c["Synced"], c["Ready"], c["LastAsyncOperation"]

if synced == nil and ready == nil and last == nil then
  if h.spec(obj).forProvider ~= nil then
    return h.progressing("Waiting for the provider to reconcile the resource")
  end
  return h.healthy("Resource is up-to-date.")
end
if h.is(synced, "False") and synced.reason ~= "ReconcilePaused" then
  return h.degraded(h.explain(synced, "Resource failed to sync"))
end
if h.is(last, "False") then
  return h.degraded(h.explain(last, "The last asynchronous operation failed"))
end
if h.is(ready, "False") and ready.reason == "Unavailable" then
  return h.degraded(h.explain(ready, "Resource is unavailable"))
end
if h.is(synced, "False") or h.annotation(obj, "crossplane.io/paused") == "true" then
  return h.suspended(h.explain(synced, "Reconciliation is paused (crossplane.io/paused)"))
end
local async = c["AsyncOperation"]
if h.is(async, "False") and async.reason == "Ongoing" then
  -- A Terraform apply or destroy is still running: whatever Ready says is about to change.
  return h.progressing("An asynchronous operation is in progress")
end
if h.is(ready, "True") and not h.is(synced, "Unknown") then
  return h.healthy("Resource is up-to-date.")
end
if h.is(ready, "False") then
  local reason = ready.reason
  if reason == "Creating" or reason == "Deleting" then
    return h.progressing(h.explain(ready, "Resource is being created"))
  end
  return h.progressing(h.explain(ready, "Waiting for resource to become ready"))
end
return h.progressing(h.explain(ready or synced or last, "Waiting for resource to become ready"))
