-- CronWorkflow (Argo Workflows): a schedule that submits Workflows.
--   SpecError=True or SubmissionError=True -> Degraded, with the condition's message
--   spec.suspend                           -> Suspended
--   status.phase Stopped (stopStrategy met) -> Suspended, no more runs will start
--   workflows listed in status.active      -> Healthy, not ready (Running): a run is under way
--   otherwise                              -> Healthy, waiting for its next run
-- The outcome of past runs lives on the Workflows themselves, which have their own checks.
-- SpecWarning (deprecated fields) and MetricsError (metrics not emitted) do not stop the
-- schedule and are not read.
local h = require("herald")
local s = h.status(obj)

for _, kind in ipairs({ "SpecError", "SubmissionError" }) do
  local c = h.condition(obj, kind)
  if h.is(c, "True") then
    return h.degraded(h.text(c.message) or ("CronWorkflow has a " .. kind))
  end
end
if h.spec(obj).suspend == true then
  return h.suspended("CronWorkflow is suspended")
elseif s.phase == "Stopped" then
  return h.suspended("CronWorkflow has stopped: its stop strategy was met")
end
-- A run under way: the schedule works, and is busy (as a CronJob with a running Job is).
local active = #h.list(s.active)
if active == 1 then
  return { health = "healthy", ready = false, status = "Running",
    message = "CronWorkflow has 1 active workflow" }
elseif active > 1 then
  return { health = "healthy", ready = false, status = "Running",
    message = string.format("CronWorkflow has %d active workflows", active) }
end
return h.healthy(s.lastScheduledTime == nil and "CronWorkflow has not been scheduled yet" or "CronWorkflow is scheduled")
