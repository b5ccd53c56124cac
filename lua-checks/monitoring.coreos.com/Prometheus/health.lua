-- Prometheus (prometheus-operator). The operator reports Reconciled (it could generate the
-- configuration and the StatefulSets) and Available, which is True, False or "Degraded" (some but
-- not all Prometheus pods are ready).
--   Reconciled=False                   -> Degraded
--   Available=False                    -> Degraded (no pod is ready)
--   spec.paused                        -> Suspended (the operator leaves the resource alone;
--                                         a failure it still reports wins over the pause)
--   conditions for an older generation -> Progressing
--   Available=Degraded or Unknown      -> Progressing (pods still rolling out or starting)
--   Available=True                     -> Healthy
local h = require("herald")

-- The operator's conditions by type (the last of a type wins).
local c = {}
for _, cond in ipairs(h.conditions(obj)) do
  if type(cond) == "table" and cond.type then c[cond.type] = cond end
end
local reconciled, available = c.Reconciled, c.Available
local lags = h.condition_lags(obj, available) or h.condition_lags(obj, reconciled)
if not lags and h.is(reconciled, "False") then
  return h.degraded(h.explain(reconciled, "The operator failed to reconcile the Prometheus"))
end
if not lags and h.is(available, "False") then
  return h.degraded(h.explain(available, "No Prometheus pod is available"))
end
if h.get(obj, "spec", "paused") == true then
  return h.suspended("Prometheus is paused")
end
if lags then
  return h.progressing("Waiting for the operator to reconcile the latest spec")
end
if available == nil then
  return h.progressing("Waiting for the operator to report availability")
end
if h.is(available, "True") then
  return h.healthy(h.explain(available, ""))
end
return h.progressing(h.explain(available, "Waiting for Prometheus pods to become available"))
