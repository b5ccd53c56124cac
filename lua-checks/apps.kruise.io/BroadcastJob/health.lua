-- OpenKruise BroadcastJob runs a pod on every matching node. status.phase tells the outcome:
-- completed (the controller found the job complete), failed, paused, or running;
-- Complete/Failed conditions are consulted when the phase is absent. With
-- spec.failurePolicy.type Pause the controller itself pauses the job when a pod fails
-- (status.failed > 0): that pause stands for a failure, so it is Degraded (failure before
-- suspension); any other pause is Suspended.
local h = require("herald")
local s = h.status(obj)
local phase = s.phase
local c = h.by_type(obj)

if phase == "completed" or (phase == nil and h.is(c.Complete, "True")) then
  return h.healthy("BroadcastJob is completed successfully")
elseif phase == "failed" or (phase == nil and h.is(c.Failed, "True")) then
  return h.degraded("BroadcastJob failed: " .. h.explain(c.Failed, "pods failed"))
elseif phase == "paused" then
  local failed = tonumber(s.failed) or 0
  if h.get(obj, "spec", "failurePolicy", "type") == "Pause" and failed > 0 then
    return h.degraded(string.format("BroadcastJob is paused after %d failed pod(s)", failed))
  end
  return h.suspended("BroadcastJob is paused")
end
return h.progressing("BroadcastJob is still running")
