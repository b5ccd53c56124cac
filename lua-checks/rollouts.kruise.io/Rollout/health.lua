-- OpenKruise Rollout: status.phase is Initial, Progressing, Healthy, Terminating or Disabled.
-- Healthy -> Healthy; Disabled/Terminating -> Degraded (the rollout no longer guards the
-- workload); a step waiting for manual confirmation or a paused strategy -> Suspended; an
-- unobserved spec or any other phase -> Progressing.
local h = require("herald")
local s = h.status(obj)
local canary = type(s.canaryStatus) == "table" and s.canaryStatus or {}
local strategy = type(obj.spec) == "table" and type(obj.spec.strategy) == "table" and obj.spec.strategy or {}
if h.generation_lags(obj) then
  return h.progressing("Waiting for the rollout controller to observe the latest spec")
end
local phase = s.phase
if phase == "Healthy" then
  return h.healthy("Rollout is Completed")
end
if phase == "Disabled" or phase == "Terminating" then
  return h.degraded("Rollout is Disabled or Terminating")
end
if strategy.paused == true then
  return h.suspended("Rollout is Paused")
end
if canary.currentStepState == "StepPaused" then
  return h.suspended("Rollout is Paused need manual intervention")
end
return h.progressing(h.text(s.message) or "Rollout is in progress")
