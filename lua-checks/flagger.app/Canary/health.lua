-- Flagger Canary. Flagger records where the rollout stands in status.phase and explains it in the
-- message of the Promoted condition; the check reports "<phase> --- <explanation>".
--   Initialized, Succeeded          -> Healthy (the primary runs the promoted spec)
--   Failed                          -> Degraded (analysis failed, the canary was rolled back)
--   Waiting, WaitingPromotion       -> Suspended (held by a confirm-rollout/confirm-promotion gate)
--   spec.suspend                    -> Suspended
--   any other phase, or none yet    -> Progressing (analysis, promotion, finalising, termination)

local PHASE_HEALTH = {
  Initialized = "Healthy",
  Succeeded = "Healthy",
  Failed = "Degraded",
  Waiting = "Suspended",
  WaitingPromotion = "Suspended",
}

local function promoted_message(status)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == "Promoted" and c.message and c.message ~= "" then
      return c.message
    end
  end
  return nil
end

local function describe(phase, detail)
  if detail then
    return phase .. " --- " .. detail
  end
  return phase
end

local status = obj.status
local phase = status and status.phase
if phase == nil or phase == "" then
  return { status = "Progressing", message = "Waiting for Flagger to initialize the canary" }
end

local message = describe(phase, promoted_message(status))
if obj.spec and obj.spec.suspend == true then
  return { status = "Suspended", message = "Canary analysis is suspended: " .. message }
end
return { status = PHASE_HEALTH[phase] or "Progressing", message = message }
