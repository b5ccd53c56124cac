-- Apache Camel K Integration. status.phase walks Initialization -> BuildingKit -> Deploying ->
-- Running; the operator sets phase Error, with Ready=False reason Error, when the kit build or
-- the deployment failed (progress deadline exceeded, unschedulable pods, image pull back-off,
-- the workload missing). Once Running, the Ready condition says whether the integration's pods
-- (or Knative service / CronJob) are actually ready:
--   phase Error, or Ready=False with reason Error, InitializationFailed or LastJobFailed (a
--   cron integration whose last run failed)        -> Degraded (Ready's message)
--   phase Running and Ready=True                    -> Healthy
--   phase Running otherwise                         -> Progressing (pods starting)
--   any other phase (Deploying included, whatever a Ready left by the previous deployment
--   says)                                           -> Progressing
local h = require("herald")
local phase = h.status(obj).phase
local ready = h.condition(obj, "Ready")
local FAILED = { Error = true, InitializationFailed = true, LastJobFailed = true }

if phase == "Error" or (h.is(ready, "False") and FAILED[ready.reason or ""]) then
  return h.degraded(h.explain(ready, "Integration is in error"))
end
if phase == "Running" then
  if h.is(ready, "True") then
    return h.healthy("")
  end
  return h.progressing(h.explain(ready, "Waiting for Integration"))
end
return h.progressing("Waiting for Integration")
