-- OpenKruise Rollout: status.phase is Initial, Healthy, Progressing, Terminating, Disabling or
-- Disabled; the Progressing condition's reason names the release step (Initializing, InRolling,
-- Paused, Finalising while a release runs; Completed or Cancelled once it ended), and
-- status.canaryStatus.currentStepState the state of the current canary step (StepUpgrade,
-- StepTrafficRouting, StepMetricsAnalysis, StepPaused, StepReady, Completed). In the order read:
--   phase Disabled or Terminating    -> Degraded (the rollout no longer guards the workload:
--                                       spec.disabled, or the Rollout is being removed)
--   spec.strategy.paused             -> Suspended (the user paused the release)
--   canary step StepPaused           -> Suspended (a step waiting for manual confirmation)
--   generation ahead of observedGeneration -> Progressing (latest spec not observed yet)
--   phase Healthy, Progressing not True with an in-flight reason -> Healthy
--   anything else (Initial, Progressing, Disabling while a running release is finalised, a
--   Healthy phase whose Progressing condition is still True with an in-flight reason)
--                                    -> Progressing, with the controller's status.message
local h = require("herald")
local s = h.status(obj)
if s.phase == "Disabled" or s.phase == "Terminating" then
  return h.degraded("Rollout is Disabled or Terminating")
end
if h.get(obj, "spec", "strategy", "paused") == true then
  return h.suspended("Rollout is Paused")
end
if h.get(s, "canaryStatus", "currentStepState") == "StepPaused" then
  return h.suspended("Rollout is Paused need manual intervention")
end
if h.field_lags(obj, "observedGeneration") then
  return h.progressing("Waiting for the rollout controller to observe the latest spec")
end
local progressing = h.condition(obj, "Progressing")
local ended = { Completed = true, Cancelled = true }
local rolling = h.is(progressing, "True") and not ended[h.text(progressing.reason) or ""]
if s.phase == "Healthy" and not rolling then
  return h.healthy("Rollout is Completed")
end
return h.progressing(h.text(s.message) or "Rollout is in progress")
