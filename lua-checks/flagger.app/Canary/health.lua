-- Flagger Canary. Flagger records where the rollout stands in status.phase and explains it in the
-- message of the Promoted condition; the check reports "<phase> --- <explanation>".
--   Initialized, Succeeded          -> Healthy (the primary runs the promoted spec)
--   Failed                          -> Degraded (analysis failed, the canary was rolled back)
--   Waiting, WaitingPromotion       -> Suspended (held by a confirm-rollout/confirm-promotion gate)
--   spec.suspend                    -> Suspended, unless the phase is Failed (failure first)
--   any other phase, or none yet    -> Progressing (analysis, promotion, finalising, termination)
local h = require("herald")
local PHASE_HEALTH = {
  Initialized = "Healthy",
  Succeeded = "Healthy",
  Failed = "Degraded",
  Waiting = "Suspended",
  WaitingPromotion = "Suspended",
}

local phase = h.status(obj).phase
if phase == nil or phase == "" then
  return h.progressing("Waiting for Flagger to initialize the canary")
end
local message = tostring(phase)
for _, c in ipairs(h.conditions(obj)) do
  if type(c) == "table" and c.type == "Promoted" and h.text(c.message) then
    message = message .. " --- " .. c.message
    break
  end
end
if h.get(obj, "spec", "suspend") == true and phase ~= "Failed" then
  return h.suspended("Canary analysis is suspended: " .. message)
end
return h.lookup(phase, PHASE_HEALTH, message)
