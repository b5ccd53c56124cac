-- Upbound (Crossplane) provider resources. Managed resources carry Synced (did the last
-- reconcile with the cloud API succeed) and Ready (is the external resource available).
-- Objects without conditions, such as ProviderConfigs, have nothing to wait for.
local h = require("herald")
local c = h.by_type(obj)
local synced, ready = c["Synced"], c["Ready"]

if synced == nil and ready == nil then
  return h.healthy("Resource is up-to-date.")
end
if h.is(synced, "False") then
  return h.degraded(h.explain(synced, "Resource failed to sync"))
end
if h.is(ready, "False") then
  local reason = ready.reason
  if reason == "Creating" or reason == "Deleting" then
    return h.progressing(h.explain(ready, "Resource is being created"))
  end
  if reason == "Unavailable" then
    return h.degraded(h.explain(ready, "Resource is unavailable"))
  end
  return h.progressing(h.explain(ready, "Waiting for resource to become ready"))
end
if h.is(ready, "True") then
  return h.healthy("Resource is up-to-date.")
end
return h.progressing(h.explain(ready or synced, "Waiting for resource to become ready"))
