-- Karmada (work.karmada.io): ResourceBinding and ClusterResourceBinding propagate a resource to
-- member clusters and aggregate each member's apply result and health in
-- status.aggregatedStatus. `require("karmada").binding(obj)`.
local h = require("herald")

local M = {}

-- No member results yet, or fewer results than scheduled clusters (spec.clusters; absent for
-- bindings propagated as dependencies), is Progressing; any member not applied or not Healthy,
-- or FullyApplied=False (the binding controller's FullyAppliedFailed: a work failed to apply),
-- is Degraded. FullyApplied=True is Healthy. The controller writes FullyApplied together with
-- aggregatedStatus, so a binding without it comes from a release that predates the condition:
-- every scheduled member applied and Healthy is then the whole answer (Healthy). Any other
-- FullyApplied status (Unknown) is Progressing: the controller has not concluded.
function M.binding(o)
  local members = h.list(h.status(o).aggregatedStatus)
  if #members == 0 then
    return h.progressing("Current resource status is insufficient")
  end
  for _, m in ipairs(members) do
    if type(m) ~= "table" or m.applied ~= true or m.health ~= "Healthy" then
      return h.degraded("Current resource status is unhealthy")
    end
  end
  local scheduled = h.spec(o).clusters
  if type(scheduled) == "table" and #members < #scheduled then
    return h.progressing("Current resource status is insufficient")
  end
  local applied = h.condition(o, "FullyApplied")
  if h.is(applied, "False") then
    return h.degraded(h.explain(applied, "Current resource status is unhealthy"))
  end
  if applied ~= nil and not h.is(applied, "True") then
    return h.progressing("Current resource status is insufficient")
  end
  return h.healthy("")
end

return M
