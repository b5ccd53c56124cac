-- KServe InferenceService. Stopped=True (serving.kserve.io/stop) is Suspended. A model that
-- failed to load (modelStatus.transitionStatus BlockedByFailedLoad/InvalidSpec) or a False
-- condition outside an in-progress transition is Degraded; Unknown conditions or a transition in
-- progress are Progressing; all conditions True is Healthy. The message lists every condition
-- that is not True ("i: type | status | reason | message"), led by the transition status.
local h = require("herald")
if h.is(h.condition(obj, "Stopped"), "True") then
  return h.suspended("InferenceService is Stopped")
end
local conditions = h.conditions(obj)
local transition = h.text(h.get(obj, "status", "modelStatus", "transitionStatus"))
if #conditions == 0 and transition == nil then
  return h.progressing("Waiting for status")
end

local parts = { transition and ("0: transitionStatus | " .. transition) or "" }
local any_false, any_unknown = false, false
for i, c in ipairs(conditions) do
  if type(c) == "table" and c.type ~= "Stopped" and c.status ~= "True" then
    local entry = { tostring(i) .. ": " .. tostring(c.type), tostring(c.status) }
    entry[#entry + 1] = h.text(c.reason)
    entry[#entry + 1] = h.text(c.message)
    parts[#parts + 1] = table.concat(entry, " | ")
    if c.status == "False" then any_false = true else any_unknown = true end
  end
end
local message = table.concat(parts, " | ")

if transition == "BlockedByFailedLoad" or transition == "InvalidSpec" then
  return h.degraded(message)
end
if transition == "InProgress" then
  return h.progressing(message)
end
if any_false then
  return h.degraded(message)
end
if any_unknown then
  return h.progressing(message)
end
return h.healthy("InferenceService is healthy.")
