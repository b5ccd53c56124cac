-- OpenFaaS Function (function CRD of the OpenFaaS operator). The operator documents three
-- conditions: Stalled (it cannot fully reconcile, e.g. a missing secret or invalid limits, and
-- retries with back-off), Ready (the desired state has been applied to the Deployment and
-- Service) and Healthy (replicas are available to serve requests).
--   Stalled=True                       -> Degraded (also beside an older Ready=True)
--   Ready=True written for an older
--   generation (its observedGeneration) -> Progressing (the new spec is not applied yet)
--   Ready=True, Healthy=True           -> Healthy
--   Ready=True, no replica wanted      -> Suspended (status.replicas 0 or absent: scaled to zero)
--   Ready=True, Healthy=False          -> Progressing (replicas wanted, none available yet)
--   Ready=True otherwise               -> Healthy
--   Ready False or missing             -> Progressing (the change is still being applied; a
--                                         failure to apply is reported as Stalled)
local h = require("herald")
local c = h.by_type(obj)

if h.is(c.Stalled, "True") then
  return h.degraded(h.explain(c.Stalled, "Function is stalled"))
end
if h.is(c.Ready, "True") and h.condition_lags(obj, c.Ready) then
  return h.progressing("Waiting for the operator to apply the latest spec")
end
if h.is(c.Ready, "True") then
  if h.is(c.Healthy, "True") then
    return h.healthy(h.explain(c.Ready, "Function is ready"))
  end
  if h.num(h.status(obj).replicas, 0) <= 0 then
    return h.suspended("No replicas available")
  end
  if h.is(c.Healthy, "False") then
    return h.progressing(h.explain(c.Healthy, "Waiting for a replica to become available"))
  end
  return h.healthy(h.explain(c.Ready, "Function is ready"))
end
if h.is(c.Ready, "False") then
  return h.progressing(h.explain(c.Ready, "Waiting for Function"))
end
return h.progressing("Waiting for Function")
