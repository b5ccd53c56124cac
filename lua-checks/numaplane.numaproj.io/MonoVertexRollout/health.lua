-- Numaplane MonoVertexRollout: rolls out a MonoVertex as a child resource. Healthy once the controller has
-- seen the current generation, the phase is Deployed and ChildResourcesHealthy is True (or the
-- child is deliberately paused); Pending phase or an updating child is Progressing; a failed phase,
-- deployment or progressive upgrade is Degraded.
local h = require("herald")
local s = h.status(obj)
local c = h.by_type(obj)

if s.phase == nil or h.generation_lags(obj) then
  return h.progressing("Not yet reconciled")
end
if s.phase == "Failed" then
  return h.degraded(h.text(s.message) or "Failed")
end
if h.is(c.ProgressiveUpgradeSucceeded, "False") then
  return h.degraded("Progressive upgrade failed")
end
if h.is(c.ChildResourceDeployed, "False") then
  return h.degraded(h.explain(c.ChildResourceDeployed, "Child resource not deployed"))
end
for _, cond in ipairs(h.conditions(obj)) do
  if type(cond) == "table" and type(cond.type) == "string" and string.find(cond.type, "PausingOrPaused$")
      and cond.status == "True" then
    local reason = h.text(cond.reason) or ""
    if string.find(reason, "Pausing") then
      return h.progressing(h.explain(cond, "Pausing"))
    end
    return h.healthy(h.text(cond.message) or "Paused")
  end
end
if s.phase == "Pending" then
  return h.progressing("Update in progress")
end
local child = c.ChildResourcesHealthy
if h.is(child, "False") then
  local reason = h.text(child.reason) or "Unhealthy"
  if reason == "Progressing" or reason == "Pending" then
    return h.progressing("Child " .. reason)
  end
  return h.degraded("Child " .. reason .. ": " .. h.explain(child, "unhealthy"))
end
if s.phase == "Deployed" and h.is(child, "True") then
  return h.healthy("Healthy")
end
return h.progressing(h.explain(child, "Waiting for child resources"))
