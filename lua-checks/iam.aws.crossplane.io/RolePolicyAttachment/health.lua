-- Crossplane provider-aws RolePolicyAttachment (managed resource for an attachment of an IAM policy to a role). Synced says whether the
-- last reconcile with AWS worked (False carries the error); Ready says whether the external
-- resource is available (reason Available, Creating, Deleting, Unavailable).
local h = require("herald")
local c = h.by_type(obj)
if h.is(c.Synced, "False") then
  return h.degraded(h.explain(c.Synced, "Reconcile failed"))
end
local ready = c.Ready
if ready == nil then
  return h.progressing("Waiting for the provider to reconcile the resource")
end
if ready.status == "True" then
  return h.healthy(h.explain(ready, "Available"))
end
if ready.status == "False" and ready.reason == "Unavailable" then
  return h.degraded(h.explain(ready, "Unavailable"))
end
return h.progressing(h.explain(ready, "Waiting for the resource to become available"))
