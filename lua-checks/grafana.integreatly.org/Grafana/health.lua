-- grafana-operator Grafana instance. The operator walks through stages (config, deployment,
-- service, ingress... complete) and records status.stage and status.stageStatus. A failed
-- stage is degraded; reaching "complete" successfully is healthy; anything else is progressing.
local h = require("herald")
local s = h.status(obj)
local stage, result = h.text(s.stage), h.text(s.stageStatus)
if result == "failed" then
  return h.degraded("Failed at stage " .. (stage or "unknown"))
end
if stage == "complete" and result == "success" then
  return h.healthy("")
end
return h.progressing(stage or "")
