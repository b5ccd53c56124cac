-- Cluster API Cluster. spec.paused stops all reconciliation. status.phase moves Pending ->
-- Provisioning -> Provisioned (or Failed); a Ready condition that is False with severity
-- Error (or a failureMessage) reports a provisioning problem the controllers cannot fix.
local h = require("herald")
local s = h.status(obj)
local spec = type(obj.spec) == "table" and obj.spec or {}
local ready = h.condition(obj, "Ready")

if spec.paused == true then
  return h.suspended("Cluster is paused")
end
if s.phase == "Failed" or h.text(s.failureMessage) then
  return h.degraded(h.text(s.failureMessage) or h.explain(ready, "Cluster has failed"))
end
if h.is(ready, "False") and ready.severity == "Error" then
  return h.degraded(h.explain(ready, "Cluster is not ready"))
end
if s.phase == "Provisioned" and not h.is(ready, "False") and not h.generation_lags(obj) then
  return h.healthy("Cluster is provisioned")
end
return h.progressing("Waiting for clusters")
