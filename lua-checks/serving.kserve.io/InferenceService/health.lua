-- KServe InferenceService, in the order read:
--   modelStatus.transitionStatus BlockedByFailedLoad (the target model failed to load) or
--   InvalidSpec (the predictor spec failed validation), or a condition False with Knative's
--   reason RevisionFailed (a revision that cannot become ready)
--                                   -> Degraded, with modelStatus.lastFailureInfo (reason
--                                      ModelLoadFailed, RuntimeUnhealthy, NoSupportingRuntime...)
--                                      appended when KServe gives it
--   Stopped=True (annotation serving.kserve.io/stop) -> Suspended
--   generation ahead of status.observedGeneration    -> Progressing (latest spec not seen yet)
--   no conditions yet               -> Progressing (waiting for the controller's first report)
--   transitionStatus InProgress, or a condition not True
--                                   -> Progressing (a component still coming up: a raw
--                                      Deployment not yet Available reports PredictorReady=False
--                                      MinimumReplicasUnavailable while its pods start; an
--                                      un-stopped service reports Stopped=False, not counted)
--   every condition True            -> Healthy
-- The message lists every condition that is not True ("i: type | status | reason | message"),
-- led by the transition status.
local h = require("herald")
local conditions = h.conditions(obj)
local model = h.get(obj, "status", "modelStatus")
local transition = h.text(h.field(model, "transitionStatus"))
local failed_transition = transition == "BlockedByFailedLoad" or transition == "InvalidSpec"

-- " | lastFailureInfo | <reason> | <message>" when KServe recorded why the model failed.
local function failure_info()
  local info = h.field(model, "lastFailureInfo")
  local reason, message = h.text(h.field(info, "reason")), h.text(h.field(info, "message"))
  if reason == nil and message == nil then
    return ""
  end
  local parts = { "lastFailureInfo" }
  parts[#parts + 1] = reason
  parts[#parts + 1] = message
  return " | " .. table.concat(parts, " | ")
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
  if #conditions == 0 then
    message = "0: transitionStatus | " .. transition
  end
  return h.degraded(message .. failure_info())
end
if h.is(h.condition(obj, "Stopped"), "True") then
  return h.suspended("InferenceService is Stopped")
end
if h.generation_lags(obj) then
  return h.progressing("Waiting for KServe to reconcile the latest spec")
end
if #conditions == 0 then
  return h.progressing("Waiting for InferenceService to report status...")
end
if transition == "InProgress" or not_true then
  return h.progressing(message)
end
return h.healthy("InferenceService is healthy.")
