-- Pulumi Kubernetes Operator Stack. Stalled=True means the operator gave up (e.g. repeated
-- failed updates) until the spec or source changes: Degraded. A spec not yet observed or
-- Reconciling=True is Progressing; otherwise the Ready condition decides.
local h = require("herald")
local c = h.by_type(obj)
if h.is(c.Stalled, "True") then
  return h.degraded(h.explain(c.Stalled, "Stack reconciliation is stalled"))
end
if h.field_lags(obj, "observedGeneration") then
  return h.progressing("Waiting for the operator to observe the latest spec change")
end
if h.is(c.Reconciling, "True") then
  return h.progressing(h.explain(c.Reconciling, "Stack update in progress"))
end
return h.from_ready(obj, "Waiting for the stack to be processed")
