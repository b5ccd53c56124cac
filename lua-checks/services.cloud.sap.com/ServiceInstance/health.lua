-- SAP BTP service operator ServiceInstance (a provisioned SAP BTP service). Deletion and a spec not yet observed
-- (conditions' observedGeneration behind metadata.generation) are Progressing. Failed=True is
-- Degraded; Ready=True is Healthy; otherwise the Succeeded condition tells the operation
-- still in flight (Progressing).
local h = require("herald")
local md = type(obj.metadata) == "table" and obj.metadata or {}
if md.deletionTimestamp ~= nil then
  return h.progressing("Resource is being deleted")
end
local c = h.by_type(obj)
if #h.conditions(obj) == 0 then
  return h.progressing("Waiting for status")
end
for _, cond in pairs(c) do
  if type(md.generation) == "number" and type(cond.observedGeneration) == "number" and cond.observedGeneration < md.generation then
    return h.progressing("Waiting for spec update to be observed")
  end
end
if h.is(c.Failed, "True") then
  return h.degraded(h.explain(c.Failed, "ServiceInstance failed"))
end
if h.is(c.Ready, "True") then
  return h.healthy("Ready to use")
end
return h.progressing(h.explain(c.Succeeded, "Waiting for ServiceInstance to be ready"))
