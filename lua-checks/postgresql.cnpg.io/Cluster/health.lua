-- CloudNativePG Cluster. Hibernation (annotation or the cnpg.io/hibernation condition) and a
-- disabled reconciliation loop mean the operator is deliberately idle: Suspended. Otherwise
-- status.phase decides: the healthy phase is Healthy, failure phases are Degraded (phaseReason
-- explains), and every other phase is an operation in flight: Progressing.
local h = require("herald")
local s = h.status(obj)
local ann = (type(obj.metadata) == "table" and type(obj.metadata.annotations) == "table") and obj.metadata.annotations or {}

local hib = h.condition(obj, "cnpg.io/hibernation")
if h.is(hib, "True") then
  return h.suspended(h.explain(hib, "Cluster has been hibernated"))
end
if ann["cnpg.io/hibernation"] == "on" then
  return h.suspended("Cluster has been hibernated")
end
if ann["cnpg.io/reconciliationLoop"] == "disabled" then
  return h.suspended("Cluster reconciliation is suspended")
end

local phase = h.text(s.phase)
if phase == nil then
  return h.progressing("Waiting for the cluster to be created")
end
local why = h.text(s.phaseReason) or phase
if phase == "Cluster in healthy state" then
  return h.healthy("")
end
local failing = {
  ["Failing over"] = true,
  ["Waiting for user action"] = true,
  ["Unable to create required cluster objects"] = true,
}
if failing[phase] or phase:find("cannot", 1, true) then
  return h.degraded(why)
end
return h.progressing(why)
