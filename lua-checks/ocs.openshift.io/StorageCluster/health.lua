-- OpenShift Data Foundation StorageCluster. ocs-operator reports operator-style conditions:
-- Degraded True is Degraded, Progressing True (initialising, upgrading, reconciling) is
-- Progressing, and Available True is Healthy.
local h = require("herald")
local c = h.by_type(obj)

if h.is(c.Degraded, "True") then
  return h.degraded(h.explain(c.Degraded, "StorageCluster is degraded"))
end
if h.is(c.Progressing, "True") then
  return h.progressing(h.explain(c.Progressing, "StorageCluster is progressing"))
end
if h.is(c.Available, "True") then
  return h.healthy(h.explain(c.Available, "StorageCluster is available"))
end
return h.progressing("Waiting for StorageCluster status")
