-- AWS Controllers for Kubernetes (ACK) resources. ACK.Terminal=True means the controller gave up
-- (the spec must change); ACK.Recoverable=True is an error it keeps retrying. Otherwise the Ready
-- condition (or ACK.ResourceSynced on older controllers) says whether AWS matches the spec.
local h = require("herald")
local c = h.by_type(obj)

if h.is(c["ACK.Terminal"], "True") then
  return h.degraded(h.explain(c["ACK.Terminal"], "Resource is in a terminal state"))
end
if h.is(c["ACK.Recoverable"], "True") then
  return h.degraded(h.explain(c["ACK.Recoverable"], "Resource hit a recoverable error"))
end
local ready = c["Ready"] or c["ACK.ResourceSynced"]
if ready == nil then
  return h.progressing("Waiting for resource to be ready")
end
if h.is(ready, "True") then
  return h.healthy("")
end
return h.progressing(h.explain(ready, "Waiting for resource to be ready"))
