-- Apache Camel K Integration. status.phase walks Initialization -> BuildingKit -> Deploying ->
-- Running; Error means the build or deployment failed. Once Running, the Ready condition says
-- whether the integration's pods (or Knative service / CronJob) are actually ready.
local h = require("herald")
local phase = h.status(obj).phase
local ready = h.condition(obj, "Ready")

if phase == "Error" then
  return h.degraded(h.explain(ready, "Integration is in error"))
end
if phase == "Running" then
  if h.is(ready, "True") then
    return h.healthy("")
  end
  return h.progressing(h.explain(ready, "Waiting for Integration"))
end
return h.progressing("Waiting for Integration")
