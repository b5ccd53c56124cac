-- Crossplane (v0.x) ClusterStackInstall: installs a stack via a Job; conditions live under
-- status.conditionedStatus. Synced=False is a reconcile error (Degraded); Ready=True is Healthy;
-- otherwise the install is under way (Progressing, with Ready's reason).
local h = require("herald")
local c = h.by_type_in(h.get(obj, "status", "conditionedStatus", "conditions"))
if c.Ready == nil and c.Synced == nil then
  return h.progressing("Waiting for stack to be installed")
end
if h.is(c.Synced, "False") then
  return h.degraded(h.explain(c.Synced, "Stack install failed to reconcile"))
end
if h.is(c.Ready, "True") then
  return h.healthy(h.explain(c.Ready, "Stack is installed"))
end
return h.progressing(h.explain(c.Ready, "Waiting for stack to be installed"))
