-- OpenKruise Rollout: status.phase is Initial, Progressing, Healthy, Terminating or Disabled.
-- Healthy -> Healthy, unless the Progressing condition is True: the controller holds that
-- condition True (InRolling, Paused, Finalising, ...) while a release is under way and sets it
-- False (Completed, Cancelled) when it ends, so a True one with an in-flight reason outranks a
-- phase not yet moved on (the reasons Completed and Cancelled always mean the release ended).
-- Disabled/Terminating -> Degraded (the rollout no longer guards the workload); a step waiting
-- for manual confirmation or a paused strategy -> Suspended; an unobserved spec or any other
-- phase -> Progressing.
local h = require("herald")
if h.field_lags(obj, "observedGeneration") then
  return h.progressing("Waiting for the rollout controller to observe the latest spec")
end
local s = h.status(obj)
local progressing = h.condition(obj, "Progressing")
local ended = { Completed = true, Cancelled = true }
local rolling = h.is(progressing, "True") and not ended[h.text(progressing.reason) or ""]
if s.phase == "Healthy" and not rolling then
  return h.healthy("Rollout is Completed")
end
if s.phase == "Disabled" or s.phase == "Terminating" then
  return h.degraded("Rollout is Disabled or Terminating")
end
if h.get(obj, "spec", "strategy", "paused") == true then
  return h.suspended("Rollout is Paused")
end
if h.get(s, "canaryStatus", "currentStepState") == "StepPaused" then
  return h.suspended("Rollout is Paused need manual intervention")
end
return h.progressing(h.text(s.message) or "Rollout is in progress")
