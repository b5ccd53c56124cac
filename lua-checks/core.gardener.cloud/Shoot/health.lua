-- Gardener Shoot. Gardener sums up a shoot's health in the label shoot.gardener.cloud/status
-- (healthy, progressing, unhealthy, unknown), computed from its conditions and last operation.
-- Without the label, the conditions decide: all True is healthy, any False is unhealthy.
local h = require("herald")
local by_label = {
  healthy = h.healthy("Component state: Healthy"),
  progressing = h.progressing("Component state: Update in progress"),
  unhealthy = h.degraded("Component state: Unhealthy"),
  unknown = h.unknown("Component state: Unknown"),
}
local labelled = by_label[h.label(obj, "shoot.gardener.cloud/status")]
if labelled then
  return labelled
end
local conds = h.conditions(obj)
if #conds == 0 then
  return h.progressing("Component state: Waiting for status")
end
local failed = h.first_with(obj, "False")
if failed then
  return h.degraded(h.explain(failed, "Component state: Unhealthy"))
end
for _, c in ipairs(conds) do
  if type(c) == "table" and c.status ~= "True" then
    return h.progressing(h.explain(c, "Component state: Update in progress"))
  end
end
return h.healthy("Component state: Healthy")
