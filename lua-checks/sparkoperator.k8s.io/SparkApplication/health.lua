-- Kubeflow Spark operator SparkApplication: status.applicationState.state drives health.
--   FAILED, SUBMISSION_FAILED, FAILING          -> Degraded (with the operator's errorMessage)
--   SUSPENDED (spec.suspend, pods removed)      -> Suspended
--   RUNNING                                     -> Healthy once enough executors run: with
--                                                  static allocation spec.executor.instances,
--                                                  with dynamic allocation (spec.dynamicAllocation
--                                                  or the spark.dynamicAllocation /
--                                                  spark.streaming.dynamicAllocation confs) its
--                                                  minExecutors; fewer RUNNING entries in
--                                                  status.executorState -> Progressing (executors
--                                                  still pending). No executorState: Healthy.
--   COMPLETED                                   -> Healthy
--   "" (new), SUBMITTED, PENDING_RERUN, INVALIDATING, SUCCEEDING, SUSPENDING, RESUMING, UNKNOWN
--   (the driver pod's state could not be read; the operator looks again) -> Progressing
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
if state == "FAILED" or state == "SUBMISSION_FAILED" or state == "FAILING" then
  return h.degraded(h.text(app.errorMessage) or msg)
end
if state == "SUSPENDED" then
  return h.suspended(msg)
end
if state == "COMPLETED" then
  return h.healthy(msg)
end
if state ~= "RUNNING" then
  return h.progressing(msg)
end

-- RUNNING: how many executors the application needs before it runs at its intended size.
local function needed()
  local spec = h.spec(obj)
  local conf = h.field(spec, "sparkConf")
  local dyn = h.field(spec, "dynamicAllocation")
  if h.field(dyn, "enabled") == true then
    return h.num(dyn.minExecutors)
  end
  for _, prefix in ipairs({ "spark.dynamicAllocation.", "spark.streaming.dynamicAllocation." }) do
    if h.field(conf, prefix .. "enabled") == "true" then
      return tonumber(h.field(conf, prefix .. "minExecutors")) or 0
    end
  end
  return h.num(h.get(spec, "executor", "instances"), 1)
end
local executors = h.status(obj).executorState
if type(executors) ~= "table" then
  return h.healthy(msg)
end
local running = 0
for _, s in pairs(executors) do
  if s == "RUNNING" then
    running = running + 1
  end
end
local want = needed()
if running < want then
  return h.progressing(string.format("%s, %d/%d executors running", msg, running, want))
end
return h.healthy(msg)
