-- OpenFaaS Function (function CRD of the OpenFaaS operator). Stalled True means the operator
-- cannot proceed (e.g. a missing secret): Degraded. Ready True means the Deployment and Service
-- are reconciled; the Healthy condition then says whether a replica is available (False when
-- scaled to zero: Suspended). Anything else is still being reconciled.
local h = require("herald")
local c = h.by_type(obj)

if h.is(c.Stalled, "True") then
  return h.degraded(h.explain(c.Stalled, "Function is stalled"))
end
if h.is(c.Ready, "True") then
  if h.is(c.Healthy, "False") then
    return h.suspended("No replicas available")
  end
  return h.healthy(h.explain(c.Ready, "Function is ready"))
end
if h.is(c.Ready, "False") then
  return h.progressing(h.explain(c.Ready, "Waiting for Function"))
end
return h.progressing("Waiting for Function")
