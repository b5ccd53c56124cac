-- Gardener Shoot. Gardener sums up a shoot's health in the label shoot.gardener.cloud/status
-- (healthy, progressing, unhealthy, unknown), computed from its conditions and last operation.
-- Without the label, the conditions decide: all True is healthy, any False is unhealthy.
local h = require("herald")
local labels = obj.metadata and obj.metadata.labels
local state = type(labels) == "table" and labels["shoot.gardener.cloud/status"] or nil
if state == "healthy" then
  return h.healthy("Component state: Healthy")
elseif state == "progressing" then
  return h.progressing("Component state: Update in progress")
elseif state == "unhealthy" then
  return h.degraded("Component state: Unhealthy")
elseif state == "unknown" then
  return h.unknown("Component state: Unknown")
end
local conds = h.conditions(obj)
if #conds == 0 then
  return h.progressing("Component state: Waiting for status")
end
for _, c in ipairs(conds) do
  if type(c) == "table" and c.status == "False" then
    return h.degraded(h.explain(c, "Component state: Unhealthy"))
  end
end
for _, c in ipairs(conds) do
  if type(c) == "table" and c.status ~= "True" then
    return h.progressing(h.explain(c, "Component state: Update in progress"))
  end
end
return h.healthy("Component state: Healthy")
