-- OpenKruiseGame GameServer. status.currentState (Creating, Ready, NotReady, Crash, Updating,
-- PreUpdate, PreDelete, Deleting, Unknown: kruise-game derives it from its pod) should reach
-- status.desiredState. The GameServer's own conditions (PodNormal, NodeNormal,
-- PersistentVolumeNormal: False when the pod, its node or its volumes are abnormal, with a
-- warning event) and the mirrored pod conditions in status.podStatus must not be False.
--   state Crash (the pod failed)                                   -> Degraded
--   a False GameServer condition                                   -> Degraded, except that
--     while the GameServer is being created or updated (state Creating, Updating, PreUpdate,
--     or not yet the desired one) a PodNormal False only for the reasons of a pod still
--     starting (ContainersNotReady, ContainerCreating, ...) and False pod conditions are the
--     start-up itself                                              -> Progressing
--   a False pod condition in status.podStatus                      -> Degraded
--   no state yet                                                   -> Progressing (waiting)
--   a pending state change                                         -> Progressing
--   state NotReady (its pod's readiness failing, no condition False),
--     Unknown, PreDelete or Deleting, even without a desired state  -> Progressing
--   otherwise                                                      -> Healthy
local h = require("herald")
local s = h.status(obj)
local current, desired = h.text(s.currentState), h.text(s.desiredState)

if current == "Crash" then
  return h.degraded("GameServer has crashed: its pod failed")
end

-- The reasons kruise-game copies into PodNormal while a pod starts normally.
local STARTING = {
  ContainersNotReady = true, ContainersNotInitialized = true,
  ContainerCreating = true, PodInitializing = true,
}
local function starting_only(c)
  local reason = h.text(c.reason)
  if c.type ~= "PodNormal" or reason == nil then
    return false
  end
  for part in string.gmatch(reason, "[^;%s]+") do
    if not STARTING[part] then
      return false
    end
  end
  return true
end
local settling = current == "Creating" or current == "Updating" or current == "PreUpdate"
  or (current ~= nil and desired ~= nil and current ~= desired)

local starting = nil
for _, c in ipairs(h.conditions(obj)) do
  if type(c) == "table" and c.status == "False" then
    if settling and starting_only(c) then
      starting = starting or c
    else
      return h.degraded(h.explain(c, "GameServer condition " .. tostring(c.type) .. " is False"))
    end
  end
end
if starting then
  return h.progressing(h.explain(starting, "GameServer pod is starting"))
end
if not settling then
  local pod_failed = h.first_with(h.get(s, "podStatus", "conditions"), "False", true)
  if pod_failed then
    return h.degraded("Pod is not ready: " .. tostring(pod_failed.type))
  end
end
if current == nil then
  return h.progressing("Waiting for GameServer state")
elseif desired ~= nil and current ~= desired then
  return h.progressing("State change: " .. current .. " → " .. desired)
elseif settling or current == "NotReady" or current == "Unknown" or current == "PreDelete"
    or current == "Deleting" then
  return h.progressing("GameServer is " .. current)
end
return h.healthy("GameServer is " .. current)
