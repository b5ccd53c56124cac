-- RabbitMQ cluster-operator RabbitmqCluster. ReconcileSuccess=False is a configuration or
-- reconcile error: Degraded. Unknown readiness conditions or not all replicas ready is
-- Progressing; no available endpoint or a raised resource alarm (NoWarnings=False) is Degraded;
-- all replicas ready with endpoints available is Healthy.
local h = require("herald")
local c = h.by_type(obj)
if h.is(c.ReconcileSuccess, "False") then
  return h.degraded(h.explain(c.ReconcileSuccess, "RabbitMQ cluster failed to reconcile"))
end
if c.AllReplicasReady == nil and c.ClusterAvailable == nil then
  return h.progressing("Waiting for RabbitMQ cluster status")
end
if h.is(c.AllReplicasReady, "Unknown") or h.is(c.ClusterAvailable, "Unknown") then
  return h.progressing("Waiting for RabbitMQ cluster readiness (conditions unknown)")
end
if not h.is(c.AllReplicasReady, "True") then
  return h.progressing("Waiting for RabbitMQ instances ready")
end
if not h.is(c.ClusterAvailable, "True") then
  return h.degraded(h.explain(c.ClusterAvailable, "RabbitMQ cluster has no available endpoints"))
end
if h.is(c.NoWarnings, "False") then
  return h.degraded(h.explain(c.NoWarnings, "RabbitMQ cluster has raised warnings"))
end
return h.healthy("RabbitMQ cluster ready")
