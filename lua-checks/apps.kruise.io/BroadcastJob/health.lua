-- OpenKruise BroadcastJob runs a pod on every matching node. status.phase tells the outcome:
-- completed (all pods succeeded), failed, paused, or running; Complete/Failed conditions
-- are consulted when the phase is absent.
local h = require("herald")
local phase = h.status(obj).phase
local c = h.by_type(obj)

if phase == "completed" or (phase == nil and h.is(c.Complete, "True")) then
  return h.healthy("BroadcastJob is completed successfully")
elseif phase == "failed" or (phase == nil and h.is(c.Failed, "True")) then
  return h.degraded("BroadcastJob failed: " .. h.explain(c.Failed, "pods failed"))
elseif phase == "paused" then
  return h.suspended("BroadcastJob is paused")
end
return h.progressing("BroadcastJob is still running")
