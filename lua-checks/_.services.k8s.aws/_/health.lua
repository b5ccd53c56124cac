-- AWS Controllers for Kubernetes (ACK) resources. ACK.Terminal=True means the controller gave up
-- (the spec must change); ACK.ReferencesResolved=False means a referenced resource could not be
-- resolved; ACK.Recoverable=True is an error it keeps retrying (all Degraded, in that order).
-- Otherwise the Ready condition (or ACK.ResourceSynced on older controllers) says whether AWS
-- matches the spec: True Healthy, False or Unknown Progressing (AWS still creating or
-- updating it), missing Progressing.
local h = require("herald")
local c = h.by_type(obj)

if h.is(c["ACK.Terminal"], "True") then
  return h.degraded(h.explain(c["ACK.Terminal"], "Resource is in a terminal state"))
end
if h.is(c["ACK.ReferencesResolved"], "False") then
  -- A referenced resource could not be resolved (e.g. it is itself in a terminal state);
  -- Unknown means the references are still being resolved.
  return h.degraded(h.explain(c["ACK.ReferencesResolved"], "Resource references could not be resolved"))
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
