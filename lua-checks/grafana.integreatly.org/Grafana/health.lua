-- grafana-operator Grafana instance. The operator runs its stages in order (config, admin user,
-- pvc, service account, service, ingress, plugins, deployment, complete; an external instance
-- only complete) and records the one it reached in status.stage, the result in
-- status.stageStatus (success, in progress, failed) and the error in status.lastMessage; on
-- success it also sets GrafanaReady=True. spec.suspend replaces the conditions with
-- Suspended=True ("Resource changes are ignored") and stops reconciling.
--   stageStatus failed            -> Degraded, naming the stage and the operator's error
--   Suspended=True                -> Suspended
--   stage complete, success       -> Healthy
--   otherwise                     -> Progressing, with the stage (and lastMessage) reached
local h = require("herald")
local s = h.status(obj)
local stage, result = h.text(s.stage), h.text(s.stageStatus)
local last = h.text(s.lastMessage)
if result == "failed" then
  return h.degraded("Failed at stage " .. (stage or "unknown") .. (last and (": " .. last) or ""))
end
local suspended = h.condition(obj, "Suspended")
if h.is(suspended, "True") then
  return h.suspended(h.explain(suspended, "Resource changes are ignored"))
end
if stage == "complete" and result == "success" then
  return h.healthy("")
end
if stage == nil then
  return h.progressing("Waiting for the operator to run the first stage")
end
return h.progressing(last and (stage .. ": " .. last) or stage)
