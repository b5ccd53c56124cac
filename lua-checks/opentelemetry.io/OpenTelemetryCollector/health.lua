-- OpenTelemetry operator OpenTelemetryCollector. The operator reports the collector workload's
-- readiness in status.scale.statusReplicas as "<ready>/<desired>": all ready is Healthy, none
-- ready is Degraded, some ready is Progressing. A DaemonSet-mode collector with no eligible
-- nodes (0/0) is Healthy; sidecar-mode collectors have no workload of their own; a collector
-- with no desired replicas otherwise is Suspended (scaled to zero). spec.managementState
-- "unmanaged" turns the operator's reconciliation of the collector off: Suspended, after a
-- reported failure (none ready), which wins. No status.scale yet is Progressing.
local h = require("herald")
local spec = type(obj.spec) == "table" and obj.spec or {}
local scale = h.status(obj).scale
local counts = type(scale) == "table" and h.text(scale.statusReplicas)

if spec.mode == "sidecar" then
  return h.healthy("Collector runs as a sidecar")
end
local ready, desired
if counts then
  ready, desired = string.match(counts, "^(%d+)/(%d+)$")
end
local unmanaged = spec.managementState == "unmanaged"
if ready == nil then
  if unmanaged then
    return h.suspended("Collector is unmanaged: the operator does not reconcile it")
  end
  return h.progressing("Waiting for collector status")
end
ready, desired = tonumber(ready), tonumber(desired)
if desired > 0 and ready == 0 then
  return h.degraded("No replicas are ready")
end
if unmanaged then
  return h.suspended("Collector is unmanaged: the operator does not reconcile it")
end
if desired == 0 then
  if spec.mode == "daemonset" then
    return h.healthy("DaemonSet has no eligible nodes (" .. counts .. ")")
  end
  return h.suspended("Collector is scaled to zero replicas")
end
if ready >= desired then
  return h.healthy("All replicas are ready")
elseif ready == 0 then
  return h.degraded("No replicas are ready")
end
return h.progressing("Replicas are starting up")
