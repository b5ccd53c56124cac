-- VictoriaMetrics operator resources (VMAgent, VMCluster, VMSingle, VMAlert, ...). The operator
-- reports status.updateStatus: operational (Healthy), expanding (rolling out: Progressing),
-- failed (Degraded, with the error in status.reason) or paused (reconciliation paused:
-- Suspended). In the project's one order: failed is Degraded even when the spec moved on since
-- (the failure stays until the operator reconciles again); then paused, or spec.paused the
-- operator has not reported yet, is Suspended; then a status older than the spec
-- (observedGeneration behind) is Progressing; no updateStatus yet is Progressing; any other
-- value is Progressing with the value as message.
local h = require("herald")
local s = h.status(obj)
local update = h.text(s.updateStatus)

if update == "failed" then
  return h.degraded(h.text(s.reason) or "Reconciliation failed")
end
if update == "paused" or h.get(obj, "spec", "paused") == true then
  return h.suspended("Reconciliation is paused")
end
if update == nil or h.generation_lags(obj) then
  return h.progressing("Waiting for the operator to reconcile")
end
if update == "operational" then
  return h.healthy("All components are operational")
elseif update == "expanding" then
  return h.progressing("Reconciliation in progress")
end
return h.progressing(update)
