-- OpenShift IngressController (the router). The ingress operator sets Available, Progressing and
-- Degraded conditions, plus detail conditions such as DeploymentReplicasAllAvailable.
-- Degraded True is Degraded; Progressing True or router replicas still missing is Progressing;
-- Available True otherwise is Healthy. Before the first rollout the state is not known yet.
local h = require("herald")
local c = h.by_type(obj)

if h.is(c.Degraded, "True") then
  return h.degraded(h.explain(c.Degraded, "IngressController is degraded"))
end
if h.is(c.Progressing, "True") then
  return h.progressing(h.explain(c.Progressing, "IngressController is progressing"))
end
if c.Available == nil then
  return h.progressing("Status of IngressController is not known yet")
end
if h.is(c.DeploymentReplicasAllAvailable, "False") then
  return h.progressing(h.explain(c.DeploymentReplicasAllAvailable, "Not all replicas are available"))
end
if h.is(c.Available, "True") then
  return h.healthy(h.explain(c.Available, "IngressController is available"))
end
return h.degraded(h.explain(c.Available, "IngressController is not available"))
