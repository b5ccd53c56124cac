-- VictoriaMetrics operator resources (VMAgent, VMCluster, VMSingle, VMAlert, ...). The operator
-- reports status.updateStatus: operational (Healthy), expanding (rolling out: Progressing),
-- failed (Degraded, with the error in status.reason) or paused (reconciliation paused:
-- Suspended). A status older than the spec (observedGeneration behind) is Progressing.
local h = require("herald")
local s = h.status(obj)
local update = h.text(s.updateStatus)

if update == "paused" then
  return h.suspended("Reconciliation is paused")
end
if update == nil or h.generation_lags(obj) then
  return h.progressing("Waiting for the operator to reconcile")
end
if update == "operational" then
  return h.healthy("All components are operational")
elseif update == "failed" then
  return h.degraded(h.text(s.reason) or "Reconciliation failed")
elseif update == "expanding" then
  return h.progressing("Reconciliation in progress")
end
return h.progressing(update)
