-- Cluster API ClusterResourceSet. The ResourcesApplied condition says whether the listed
-- ConfigMaps/Secrets were applied to every matching workload cluster.
local h = require("herald")
local applied = h.condition(obj, "ResourcesApplied")

if applied == nil then
  return h.progressing("Initializing cluster resource set")
elseif h.is(applied, "True") then
  return h.healthy("cluster resource set is applied")
elseif h.is(applied, "False") then
  return h.degraded(h.explain(applied, "cluster resource set could not be applied"))
end
return h.progressing(h.explain(applied, "Applying cluster resource set"))
