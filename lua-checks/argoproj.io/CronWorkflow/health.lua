-- CronWorkflow (Argo Workflows): a schedule that submits Workflows.
--   SpecError=True or SubmissionError=True -> Degraded, with the condition's message
--   spec.suspend                           -> Suspended
--   status.phase Stopped (stopStrategy met) -> Suspended, no more runs will start
--   workflows listed in status.active      -> Progressing, a run is under way
--   otherwise                              -> Healthy, waiting for its next run
-- The outcome of past runs lives on the Workflows themselves, which have their own checks.

local ERROR_CONDITIONS = { "SpecError", "SubmissionError" }

local function condition(ctype)
  local list = (obj.status or {}).conditions
  if type(list) ~= "table" then
    return nil
  end
  for _, c in ipairs(list) do
    if type(c) == "table" and c.type == ctype then
      return c
    end
  end
  return nil
end

local function count(list)
  if type(list) ~= "table" then
    return 0
  end
  return #list
end

for _, ctype in ipairs(ERROR_CONDITIONS) do
  local c = condition(ctype)
  if c ~= nil and c.status == "True" then
    local message = c.message
    if type(message) ~= "string" or message == "" then
      message = "CronWorkflow has a " .. ctype
    end
    return { status = "Degraded", message = message }
  end
end

local spec = obj.spec or {}
local status = obj.status or {}

if spec.suspend == true then
  return { status = "Suspended", message = "CronWorkflow is suspended" }
end
if status.phase == "Stopped" then
  return { status = "Suspended", message = "CronWorkflow has stopped: its stop strategy was met" }
end

local active = count(status.active)
if active == 1 then
  return { status = "Progressing", message = "CronWorkflow has 1 active workflow" }
elseif active > 1 then
  return { status = "Progressing", message = string.format("CronWorkflow has %d active workflows", active) }
end

if status.lastScheduledTime == nil then
  return { status = "Healthy", message = "CronWorkflow has not been scheduled yet" }
end
return { status = "Healthy", message = "CronWorkflow is scheduled" }
