-- OpenKruiseGame GameServer. status.currentState should reach status.desiredState; the
-- GameServer's own conditions (PodNormal, NodeNormal...) and the mirrored pod conditions in
-- status.podStatus must not be False. A False condition is degraded, a pending state change is
-- progressing.
local h = require("herald")
local s = h.status(obj)
local failed = h.first_with(obj, "False")
if failed then
  return h.degraded(h.explain(failed, "GameServer condition " .. tostring(failed.type) .. " is False"))
end
local pod_failed = h.first_with(h.get(s, "podStatus", "conditions"), "False", true)
if pod_failed then
  return h.degraded("Pod is not ready: " .. tostring(pod_failed.type))
end
local current, desired = h.text(s.currentState), h.text(s.desiredState)
if current == nil then
  return h.progressing("Waiting for GameServer state")
elseif desired ~= nil and current ~= desired then
  return h.progressing("State change: " .. current .. " → " .. desired)
end
return h.healthy("GameServer is " .. current)
