-- AnalysisRun (Argo Rollouts): health follows status.phase, the verdict the
-- controller reaches from its metric measurements.
--   Pending / Running   -> Progressing, the measurements are still being taken
--   Successful          -> Healthy (also a run terminated early by its Rollout)
--   Failed / Error      -> Degraded
--   Inconclusive        -> Suspended: the run is over but needs a human's judgment
-- For finished runs the controller's status.message is preferred when it has one.

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

if phase == "Pending" or phase == "Running" then
  return verdict("Progressing", "Analysis run is running")
end
if phase == "Successful" then
  return verdict("Healthy", said or "Analysis run completed successfully")
end
if phase == "Failed" then
  return verdict("Degraded", said or "Analysis run failed")
end
if phase == "Error" then
  return verdict("Degraded", said or "Analysis run had an error")
end
if phase == "Inconclusive" then
  return verdict("Suspended", said or "Analysis run was inconclusive")
end
return verdict("Unknown", "Analysis run has an unrecognised phase: " .. tostring(phase))
