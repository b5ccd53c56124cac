-- OpenKruiseGame GameServer. status.currentState (Creating, Ready, NotReady, Crash, Updating,
-- PreUpdate, PreDelete, Deleting, Unknown: kruise-game derives it from its pod) should reach
-- status.desiredState. The GameServer's own conditions (PodNormal, NodeNormal,
-- PersistentVolumeNormal: False when the pod, its node or its volumes are abnormal, with a
-- warning event) and the mirrored pod conditions in status.podStatus must not be False.
-- A False condition or the state Crash (the pod failed) is Degraded, a pending state change is
-- Progressing, no state yet is Progressing (waiting for the controller), else Healthy.
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
elseif current == "Crash" then
  return h.degraded("GameServer has crashed: its pod failed")
elseif desired ~= nil and current ~= desired then
  return h.progressing("State change: " .. current .. " → " .. desired)
end
return h.healthy("GameServer is " .. current)
