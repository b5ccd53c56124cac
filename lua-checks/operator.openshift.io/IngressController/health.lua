-- OpenShift IngressController (the router). The ingress operator sets Available, Progressing and
-- Degraded conditions, plus detail conditions such as DeploymentReplicasAllAvailable.
-- Degraded True is Degraded; then a status.observedGeneration behind the spec is Progressing;
-- Progressing True or router replicas still missing is Progressing;
-- Available True otherwise is Healthy. Before the first rollout the state is not known yet.
local h = require("herald")
local operator = require("openshift_operator")
local c = h.by_type(obj)

if h.is(c.Degraded, "True") then
  return operator.degraded_or_progressing(obj, "IngressController")
end
-- The ingress operator writes status.observedGeneration with each status update.
if h.generation_lags(obj) then
  return h.progressing("Waiting for the ingress operator to observe the latest spec")
end
local verdict = operator.degraded_or_progressing(obj, "IngressController")
if verdict ~= nil then
  return verdict
end
if c.Available == nil then
  return h.progressing("Status of IngressController is not known yet")
end
local replicas = c.DeploymentReplicasAllAvailable
if h.is(replicas, "False") then
  return h.progressing(h.explain(replicas, "Not all replicas are available"))
end
return operator.available(obj, "IngressController")
  or h.degraded(h.explain(c.Available, "IngressController is not available"))
