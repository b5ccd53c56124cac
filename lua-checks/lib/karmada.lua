-- Karmada (work.karmada.io): ResourceBinding and ClusterResourceBinding propagate a resource to
-- member clusters and aggregate each member's apply result and health in
-- status.aggregatedStatus. `require("karmada").binding(obj)`.
local h = require("herald")

local M = {}

-- No member results yet, or works not confirmed FullyApplied, is Progressing; any member not
-- applied or not Healthy, or FullyApplied=False, is Degraded; otherwise Healthy.
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
  local applied = h.condition(o, "FullyApplied")
  if h.is(applied, "False") then
    return h.degraded(h.explain(applied, "Current resource status is unhealthy"))
  end
  if not h.is(applied, "True") then
    return h.progressing("Current resource status is insufficient")
  end
  return h.healthy("")
end

return M
