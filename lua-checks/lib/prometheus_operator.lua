-- prometheus-operator (monitoring.coreos.com): the workloads it runs (Prometheus,
-- PrometheusAgent, Alertmanager, ThanosRuler) report the same two conditions through the
-- operator's status reporter: Reconciled (it could generate the configuration and the
-- StatefulSets) and Available, whose status is True, False (no pod of a shard ready, reason
-- NoPodReady) or "Degraded" (some pods not ready, reason SomePodsNotReady). Each has
-- `spec.paused` ("no actions except for deletion will be performed on the underlying objects").
-- `require("prometheus_operator").workload(obj, "Alertmanager")`.
local h = require("herald")

local M = {}

-- Reconciled=False and Available=False are Degraded (failure first, also while paused); then
-- spec.paused is Suspended; conditions written for an older generation are Progressing; no
-- Available yet is Progressing; Available=True is Healthy; Degraded or Unknown is Progressing
-- (pods still rolling out or starting). The last condition of a type counts; messages are the
-- operator's.
function M.workload(o, kind)
  local c = {}
  for _, cond in ipairs(h.conditions(o)) do
    if type(cond) == "table" and cond.type then c[cond.type] = cond end
  end
  local reconciled, available = c.Reconciled, c.Available
  local lags = h.condition_lags(o, available) or h.condition_lags(o, reconciled)
  if not lags and h.is(reconciled, "False") then
    return h.degraded(h.explain(reconciled, "The operator failed to reconcile the " .. kind))
  end
  if not lags and h.is(available, "False") then
    return h.degraded(h.explain(available, "No " .. kind .. " pod is available"))
  end
  if h.get(o, "spec", "paused") == true then
    return h.suspended(kind .. " is paused")
  end
  if lags then
    return h.progressing("Waiting for the operator to reconcile the latest spec")
  end
  if available == nil then
    return h.progressing("Waiting for the operator to report availability")
  end
  if h.is(available, "True") then
    return h.healthy(h.explain(available, "All " .. kind .. " pods are available"))
  end
  return h.progressing(h.explain(available, "Waiting for " .. kind .. " pods to become available"))
end

return M
