-- Crossplane (v0.x) ClusterStackInstall: installs a stack via a Job; conditions live under
-- status.conditionedStatus. Synced=False is a reconcile error (Degraded); Ready=True is Healthy;
-- otherwise the install is under way (Progressing, with Ready's reason).
local h = require("herald")
local cs = h.status(obj).conditionedStatus
local found = {}
for _, c in ipairs(type(cs) == "table" and type(cs.conditions) == "table" and cs.conditions or {}) do
  if type(c) == "table" and c.type ~= nil and found[c.type] == nil then found[c.type] = c end
end
if found.Ready == nil and found.Synced == nil then
  return h.progressing("Waiting for stack to be installed")
end
if h.is(found.Synced, "False") then
  return h.degraded(h.explain(found.Synced, "Stack install failed to reconcile"))
end
if h.is(found.Ready, "True") then
  return h.healthy(h.explain(found.Ready, "Stack is installed"))
end
return h.progressing(h.explain(found.Ready, "Waiting for stack to be installed"))
