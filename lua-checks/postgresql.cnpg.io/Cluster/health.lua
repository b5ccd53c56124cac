-- CloudNativePG Cluster. Hibernation (annotation or the cnpg.io/hibernation condition) and a
-- disabled reconciliation loop mean the operator is deliberately idle: Suspended. Otherwise
-- status.phase decides: the healthy phase is Healthy, failure phases are Degraded (phaseReason
-- explains): failing over, objects or plugins the operator cannot handle, an unusable image
-- catalog, an unrecoverable cluster, anything waiting for the user. Every other phase is an
-- operation in flight: Progressing.
local h = require("herald")
local hib = h.condition(obj, "cnpg.io/hibernation")
if h.is(hib, "True") then
  return h.suspended(h.explain(hib, "Cluster has been hibernated"))
end
if h.annotation(obj, "cnpg.io/hibernation") == "on" then
  return h.suspended("Cluster has been hibernated")
end
if h.annotation(obj, "cnpg.io/reconciliationLoop") == "disabled" then
  return h.suspended("Cluster reconciliation is suspended")
end

local s = h.status(obj)
local phase = h.text(s.phase)
if phase == nil then
  return h.progressing("Waiting for the cluster to be created")
end
if phase == "Cluster in healthy state" then
  return h.healthy("")
end
local why = h.text(s.phaseReason) or phase
local FAILING = {
  ["Failing over"] = true,
  ["Waiting for user action"] = true,
  ["Unable to create required cluster objects"] = true,
  ["Cluster has incomplete or invalid image catalog"] = true,
  ["Cluster is unrecoverable and needs manual intervention"] = true,
}
if FAILING[phase] or phase:find("cannot", 1, true) then
  return h.degraded(why)
end
return h.progressing(why)
