-- RabbitMQ cluster-operator RabbitmqCluster. The operator derives AllReplicasReady and
-- ClusterAvailable from the StatefulSet and the client Service's endpoints, records the outcome
-- of its last reconcile in ReconcileSuccess, and moves status.observedGeneration only when a
-- reconcile finishes without error. In the order read:
--   ReconcileSuccess=False              -> Degraded (reasons Error, FailedReconcilePVC,
--                                          FailedCLICommand, or a refused scale-down: a
--                                          configuration or reconcile error, with its message)
--   label rabbitmq.com/pauseReconciliation=true
--                                       -> Suspended (the operator stops reconciling and sets
--                                          NoWarnings=False "reconciliation paused")
--   generation ahead of observedGeneration
--                                       -> Progressing (the latest spec is not reconciled yet)
--   AllReplicasReady/ClusterAvailable missing or Unknown -> Progressing (not measured yet)
--   AllReplicasReady=False              -> Progressing (pods still starting)
--   ClusterAvailable=False              -> Progressing (NoEndpointsAvailable: the Service's
--                                          endpoints follow pod readiness, so with every replica
--                                          ready they are catching up)
--   all replicas ready and reachable    -> Healthy; NoWarnings=False only flags a configuration
--                                          advice (memory request differs from its limit), so
--                                          it is named in the message, not made a failure
local h = require("herald")
local c = h.by_type(obj)
if h.is(c.ReconcileSuccess, "False") then
  return h.degraded(h.explain(c.ReconcileSuccess, "RabbitMQ cluster failed to reconcile"))
end
if h.label(obj, "rabbitmq.com/pauseReconciliation") == "true" then
  return h.suspended("Reconciliation paused (label rabbitmq.com/pauseReconciliation=true)")
end
if h.generation_lags(obj) then
  return h.progressing("Waiting for the operator to reconcile the latest spec")
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
  return h.progressing("Waiting for RabbitMQ cluster formation: " .. h.explain(c.ClusterAvailable, "no endpoint available"))
end
if h.is(c.NoWarnings, "False") then
  return h.healthy("RabbitMQ cluster ready, with a warning: " .. h.explain(c.NoWarnings, "NoWarnings is False"))
end
return h.healthy("RabbitMQ cluster ready")
