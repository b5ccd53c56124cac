-- Kubeflow Spark operator SparkApplication: status.applicationState.state drives health.
--   RUNNING, COMPLETED                          -> Healthy
--   FAILED, SUBMISSION_FAILED, FAILING          -> Degraded (with the operator's errorMessage)
--   SUSPENDED (spec.suspend, pods removed)      -> Suspended
--   UNKNOWN (driver pod state lost)             -> Unknown
--   "" (new), SUBMITTED, PENDING_RERUN, INVALIDATING, SUCCEEDING, SUSPENDING, RESUMING
--                                               -> Progressing
-- A failure wins over spec.suspend: a FAILED application stays Degraded after suspension.
local h = require("herald")
local app = h.status(obj).applicationState
local state = h.text(h.field(app, "state"))
if state == nil then
  return h.progressing("SparkApplication is waiting to be submitted")
end
-- "SUBMISSION_FAILED" -> "Submission Failed"
local words = {}
for w in state:gmatch("[^_]+") do
  words[#words + 1] = w:sub(1, 1) .. w:sub(2):lower()
end
local msg = "SparkApplication is " .. table.concat(words, " ")
if state == "RUNNING" or state == "COMPLETED" then
  return h.healthy(msg)
end
if state == "FAILED" or state == "SUBMISSION_FAILED" or state == "FAILING" then
  return h.degraded(h.text(app.errorMessage) or msg)
end
if state == "SUSPENDED" then
  return h.suspended(msg)
end
if state == "UNKNOWN" then
  return h.unknown(msg)
end
return h.progressing(msg)
