-- Experiment (Argo Rollouts): health follows status.phase.
--   no status / Pending -> Progressing, templates are being brought up
--   Running             -> Progressing, the experiment runs for its duration
--   Successful          -> Healthy
--   Failed / Error      -> Degraded
--   Inconclusive        -> Suspended: finished, but the analyses reached no verdict
-- For finished experiments the controller's status.message is preferred when set.

local function text(value)
  if type(value) == "string" and value ~= "" then
    return value
  end
  return nil
end

local function verdict(status, message)
  return { status = status, message = message }
end

local status = obj.status or {}
local phase = status.phase
if phase == nil or phase == "" then
  phase = "Pending"
end
local said = text(status.message)

if phase == "Pending" then
  return verdict("Progressing", "Experiment is pending")
end
if phase == "Running" then
  return verdict("Progressing", "Experiment is running")
end
if phase == "Successful" then
  return verdict("Healthy", said or "Experiment completed successfully")
end
if phase == "Failed" then
  return verdict("Degraded", said or "Experiment has failed")
end
if phase == "Error" then
  return verdict("Degraded", said or "Experiment had an error")
end
if phase == "Inconclusive" then
  return verdict("Suspended", said or "Experiment was inconclusive")
end
return verdict("Unknown", "Experiment has an unrecognised phase: " .. tostring(phase))
