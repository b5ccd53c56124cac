-- KServe InferenceService. Stopped=True (serving.kserve.io/stop) is Suspended. KServe reports a
-- failed model through modelStatus.transitionStatus (BlockedByFailedLoad, InvalidSpec): that is
-- Degraded, as is a condition that Knative marks failed (reason RevisionFailed). Otherwise a
-- condition that is not True is a component still coming up (a raw Deployment not yet Available
-- reports PredictorReady=False while its pods start; an un-stopped service reports Stopped=False
-- with the predictor still False), so it is Progressing, as is a transition InProgress and an
-- object whose controller has not reported its conditions yet. All conditions True is Healthy.
-- The message lists every condition that is not True ("i: type | status | reason | message"),
-- led by the transition status.
local h = require("herald")
if h.is(h.condition(obj, "Stopped"), "True") then
  return h.suspended("InferenceService is Stopped")
end
local conditions = h.conditions(obj)
local transition = h.text(h.get(obj, "status", "modelStatus", "transitionStatus"))
local failed_transition = transition == "BlockedByFailedLoad" or transition == "InvalidSpec"
if #conditions == 0 then
  if failed_transition then
    return h.degraded("0: transitionStatus | " .. transition)
  end
  return h.progressing("Waiting for InferenceService to report status...")
end

local parts = { transition and ("0: transitionStatus | " .. transition) or "" }
local not_true, failed_condition = false, false
for i, c in ipairs(conditions) do
  if type(c) == "table" and c.status ~= "True" and not (c.type == "Stopped" and c.status == "False") then
    local entry = { tostring(i) .. ": " .. tostring(c.type), tostring(c.status) }
    entry[#entry + 1] = h.text(c.reason)
    entry[#entry + 1] = h.text(c.message)
    parts[#parts + 1] = table.concat(entry, " | ")
    not_true = true
    if c.status == "False" and c.reason == "RevisionFailed" then failed_condition = true end
  end
end
local message = table.concat(parts, " | ")

if failed_transition or failed_condition then
  return h.degraded(message)
end
if transition == "InProgress" or not_true then
  return h.progressing(message)
end
return h.healthy("InferenceService is healthy.")
