-- Karmada ResourceBinding: propagates a resource to member clusters and aggregates each
-- member's apply result and health in status.aggregatedStatus. Any member not applied or not
-- Healthy, or FullyApplied=False, is Degraded; no member results yet or works not confirmed as
-- fully applied is Progressing; otherwise Healthy.
local h = require("herald")
local members = h.status(obj).aggregatedStatus
members = type(members) == "table" and members or {}
if #members == 0 then
  return h.progressing("Current resource status is insufficient")
end
for _, m in ipairs(members) do
  if type(m) ~= "table" or m.applied ~= true or m.health ~= "Healthy" then
    return h.degraded("Current resource status is unhealthy")
  end
end
local applied = h.condition(obj, "FullyApplied")
if h.is(applied, "False") then
  return h.degraded(h.explain(applied, "Current resource status is unhealthy"))
end
if not h.is(applied, "True") then
  return h.progressing("Current resource status is insufficient")
end
return h.healthy("")
