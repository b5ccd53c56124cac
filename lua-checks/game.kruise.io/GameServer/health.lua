-- OpenKruiseGame GameServer. status.currentState should reach status.desiredState; the
-- GameServer's own conditions (PodNormal, NodeNormal...) and the mirrored pod conditions in
-- status.podStatus must not be False. A False condition is degraded, a pending state change is
-- progressing.
local h = require("herald")
local s = h.status(obj)
for _, c in ipairs(h.conditions(obj)) do
  if type(c) == "table" and c.status == "False" then
    return h.degraded(h.explain(c, "GameServer condition " .. tostring(c.type) .. " is False"))
  end
end
local pod = type(s.podStatus) == "table" and s.podStatus.conditions
if type(pod) == "table" then
  for _, c in ipairs(pod) do
    if type(c) == "table" and c.status == "False" then
      return h.degraded("Pod is not ready: " .. tostring(c.type))
    end
  end
end
local current, desired = h.text(s.currentState), h.text(s.desiredState)
if current == nil then
  return h.progressing("Waiting for GameServer state")
end
if desired ~= nil and current ~= desired then
  return h.progressing("State change: " .. current .. " → " .. desired)
end
return h.healthy("GameServer is " .. current)
