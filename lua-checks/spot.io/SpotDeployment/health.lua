-- Spot Ocean CD SpotDeployment: status.phase (Healthy, Progressing, Paused, Degraded) with
-- Argo-Rollouts-style conditions. InvalidSpec=True is Degraded with the validation error; a
-- Degraded phase is explained by the failing condition; Paused is Suspended; Healthy is Healthy.
local h = require("herald")
local s = h.status(obj)
local c = h.by_type(obj)
if h.is(c.InvalidSpec, "True") then
  return h.degraded(h.explain(c.InvalidSpec, "Invalid spec"))
end
local phase = s.phase
if phase == "Degraded" then
  local cause = (h.is(c.Progressing, "False") and c.Progressing) or (h.is(c.Available, "False") and c.Available) or nil
  return h.degraded(h.explain(cause, h.text(s.message) or "SpotDeployment is degraded"))
end
if phase == "Paused" then
  return h.suspended(h.text(s.message) or "SpotDeployment is paused")
end
if phase == "Healthy" then
  return h.healthy("")
end
return h.progressing(h.text(s.message) or h.explain(c.Progressing, "Waiting for the SpotDeployment to progress"))
