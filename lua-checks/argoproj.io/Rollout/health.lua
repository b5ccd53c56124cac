-- Rollout (Argo Rollouts): a Deployment replacement with canary or blue-green updates.
--
-- 1. The controller must have seen the latest spec (metadata.generation, and the
--    referenced workload's generation when spec.workloadRef is used); until then
--    anything else in status is stale -> Progressing.
-- 2. Controllers since v1.0 summarise the rollout in status.phase
--    (Healthy / Progressing / Paused / Degraded) and status.message: trusted as is.
-- 3. Older controllers have no phase, so it is worked out from status:
--    invalid spec, abort or a missed progress deadline -> Degraded; a pause ->
--    Suspended; canary steps left, replicas not yet updated / available, the new
--    revision not yet active (blue-green), old replicas not yet scaled down, or the
--    new revision not yet stable (canary) -> Progressing; else Healthy.

local WAIT_SPEC = "Waiting for rollout spec update to be observed"
local WAIT_PREFIX = "Waiting for roll out to finish: "

local spec = obj.spec or {}
local status = obj.status or {}
local metadata = obj.metadata or {}

local function result(state, message)
  return { status = state, message = message or "" }
end

local function nonempty(value)
  return type(value) == "string" and value ~= ""
end

local function size(list)
  if type(list) ~= "table" then
    return 0
  end
  return #list
end

local function condition(ctype)
  if type(status.conditions) ~= "table" then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if type(c) == "table" and c.type == ctype then
      return c
    end
  end
  return nil
end

-- observedGeneration was a pod-template hash before v0.10; only a number can be
-- compared with metadata.generation. Without one the controller has seen no spec.
local function spec_observed()
  if status.observedGeneration == nil then
    return false
  end
  local observed = tonumber(status.observedGeneration)
  local generation = tonumber(metadata.generation)
  if observed ~= nil and generation ~= nil and observed ~= generation then
    return false
  end
  if spec.workloadRef ~= nil then
    local annotations = metadata.annotations or {}
    local wanted = tonumber(annotations["rollout.argoproj.io/workload-generation"])
    local seen = tonumber(status.workloadObservedGeneration)
    if wanted ~= nil and wanted ~= seen then
      return false
    end
  end
  return true
end

-- status.phase -> health status, and the message used when status.message is empty.
local PHASES = {
  Healthy = { "Healthy", "" },
  Progressing = { "Progressing", "Rollout is progressing" },
  Paused = { "Suspended", "Rollout is paused" },
  Degraded = { "Degraded", "Rollout is degraded" },
}

local function from_phase()
  local known = PHASES[status.phase]
  if known == nil then
    return result("Unknown", "Rollout has an unrecognised phase: " .. tostring(status.phase))
  end
  if nonempty(status.message) then
    return result(known[1], status.message)
  end
  return result(known[1], known[2])
end

local function failure()
  local invalid = condition("InvalidSpec")
  if invalid ~= nil and invalid.status == "True" then
    return result("Degraded", nonempty(invalid.message) and invalid.message or "Rollout spec is invalid")
  end
  local progressing = condition("Progressing")
  if status.abort == true then
    if progressing ~= nil and progressing.reason == "RolloutAborted" and nonempty(progressing.message) then
      return result("Degraded", progressing.message)
    end
    return result("Degraded", "Rollout is aborted")
  end
  if progressing ~= nil and progressing.reason == "ProgressDeadlineExceeded" then
    return result("Degraded", nonempty(progressing.message) and progressing.message or "Rollout has exceeded its progress deadline")
  end
  return nil
end

local function pause()
  local reasons = status.pauseConditions
  if size(reasons) > 0 then
    local first = reasons[1]
    if type(first) == "table" and nonempty(first.reason) then
      return result("Suspended", "Rollout is paused: " .. first.reason)
    end
    return result("Suspended", "Rollout is paused")
  end
  if spec.paused == true or status.controllerPause == true then
    return result("Suspended", "Rollout is paused")
  end
  return nil
end

local function canary_steps_left()
  local strategy = spec.strategy or {}
  if type(strategy.canary) ~= "table" then
    return nil
  end
  local total = size(strategy.canary.steps)
  local index = tonumber(status.currentStepIndex)
  if total == 0 or index == nil or index >= total then
    return nil
  end
  return result("Progressing", string.format("%sexecuting step %d of %d", WAIT_PREFIX, index + 1, total))
end

-- Replica counts first (new pods created, then available), then the revision
-- hand-over. Blue-green keeps the old pods until the active service has switched,
-- so the switch is checked before their termination; a canary marks the new
-- revision stable only after the old pods are gone.
local function rollout_pending()
  local strategy = spec.strategy or {}
  local desired = tonumber(spec.replicas) or 1
  local updated = tonumber(status.updatedReplicas) or 0
  local available = tonumber(status.availableReplicas) or 0
  local current = tonumber(status.replicas) or 0
  local new_hash = status.currentPodHash

  if updated < desired then
    return result("Progressing", WAIT_PREFIX .. "More replicas need to be updated")
  end
  if available < updated then
    return result("Progressing", WAIT_PREFIX .. "updated replicas are still becoming available")
  end
  if strategy.blueGreen ~= nil and nonempty(new_hash) then
    local active = (status.blueGreen or {}).activeSelector or status.activeSelector
    if nonempty(active) and active ~= new_hash then
      return result("Progressing", WAIT_PREFIX .. "active service is not yet switched to the new revision")
    end
  end
  if current > updated then
    return result("Progressing", WAIT_PREFIX .. "old replicas are pending termination")
  end
  if strategy.blueGreen == nil and nonempty(new_hash) then
    local stable = status.stableRS or (status.canary or {}).stableRS
    if nonempty(stable) and stable ~= new_hash then
      return result("Progressing", WAIT_PREFIX .. "new revision is not yet marked stable")
    end
  end
  return nil
end

if obj.status == nil or not spec_observed() then
  return result("Progressing", WAIT_SPEC)
end
if nonempty(status.phase) then
  return from_phase()
end
return failure()
  or pause()
  or canary_steps_left()
  or rollout_pending()
  or result("Healthy", "")
