-- Argo Rollouts (argoproj.io): Rollouts, AnalysisRuns and Experiments sum themselves up in
-- status.phase, with status.message saying why.
-- `require("argo_rollouts").rollout(obj)`, `.analysis_run(obj)`, `.experiment(obj)`.
local h = require("herald")

local M = {}

-- The verdict for a phase. `phases` maps a phase to {status, message, fixed}: the controller's
-- status.message (`said`) replaces the message unless `fixed`. Unknown phases are Unknown.
local function from_phase(phase, said, phases, name)
  local known = phases[phase]
  if known == nil then
    return h.unknown(name .. " has an unrecognised phase: " .. tostring(phase))
  end
  return { status = known[1], message = (not known[3] and said) or known[2] }
end

-- An AnalysisRun or Experiment: no phase yet counts as Pending.
local function run(o, phases, name)
  local s = h.status(o)
  local phase = s.phase
  if phase == nil or phase == "" then
    phase = "Pending"
  end
  return from_phase(phase, h.text(s.message), phases, name)
end

function M.analysis_run(o)
  return run(o, {
    Pending = { "Progressing", "Analysis run is running", true },
    Running = { "Progressing", "Analysis run is running", true },
    Successful = { "Healthy", "Analysis run completed successfully" },
    Failed = { "Degraded", "Analysis run failed" },
    Error = { "Degraded", "Analysis run had an error" },
    -- Over without a verdict: neither healthy nor failed (the Rollout waits for a person).
    Inconclusive = { "Unknown", "Analysis run was inconclusive" },
  }, "Analysis run")
end

function M.experiment(o)
  return run(o, {
    Pending = { "Progressing", "Experiment is pending", true },
    Running = { "Progressing", "Experiment is running", true },
    Successful = { "Healthy", "Experiment completed successfully" },
    Failed = { "Degraded", "Experiment has failed" },
    Error = { "Degraded", "Experiment had an error" },
    Inconclusive = { "Unknown", "Experiment was inconclusive" },
  }, "Experiment")
end

-- ---------------------------------------------------------------------------------------------
-- Rollout

local WAIT_PREFIX = "Waiting for roll out to finish: "

local function waiting(what)
  return h.progressing(WAIT_PREFIX .. what)
end

local function size(list)
  return type(list) == "table" and #list or 0
end

-- Whether the controller saw the latest spec. observedGeneration was a pod-template hash before
-- v0.10; only a number can be compared with metadata.generation, and a number above it is such
-- a hash that happens to be all digits (no controller observes a generation not yet written),
-- as Argo Rollouts' own client reads it. Without one the controller has seen no spec. With
-- spec.workloadRef the referenced workload's generation counts too.
local function spec_observed(o, spec, s)
  if s.observedGeneration == nil then
    return false
  end
  local observed = tonumber(s.observedGeneration)
  local generation = tonumber(h.get(o, "metadata", "generation"))
  if observed ~= nil and generation ~= nil and observed < generation then
    return false
  end
  if spec.workloadRef ~= nil then
    local wanted = tonumber(h.annotation(o, "rollout.argoproj.io/workload-generation"))
    if wanted ~= nil and wanted ~= tonumber(s.workloadObservedGeneration) then
      return false
    end
  end
  return true
end

-- Older controllers: an invalid spec, an abort or a missed progress deadline is degraded. An
-- abort shows twice: status.abort (the request, which the controller acts on) and the
-- Progressing condition's reason RolloutAborted (what it wrote in response, and what its own
-- phase calculation reads); either one is an aborted rollout.
local function failure(o, s)
  local invalid = h.condition(o, "InvalidSpec")
  if h.is(invalid, "True") then
    return h.degraded(h.text(invalid.message) or "Rollout spec is invalid")
  end
  local progressing = h.condition(o, "Progressing")
  local reason = h.field(progressing, "reason")
  if reason == "RolloutAborted" then
    return h.degraded(h.text(progressing.message) or "Rollout is aborted")
  elseif s.abort == true then
    return h.degraded("Rollout is aborted")
  elseif reason == "ProgressDeadlineExceeded" then
    return h.degraded(h.text(progressing.message) or "Rollout has exceeded its progress deadline")
  end
  return nil
end

-- A pause (with the first pause condition's reason), by the user or the controller.
-- (status.controllerPause without pause conditions is an unpause under way: see M.rollout.)
local function pause(spec, s)
  if size(s.pauseConditions) > 0 then
    local reason = h.text(h.field(s.pauseConditions[1], "reason"))
    return h.suspended(reason and ("Rollout is paused: " .. reason) or "Rollout is paused")
  elseif spec.paused == true then
    return h.suspended("Rollout is paused")
  end
  return nil
end

local function canary_steps_left(strategy, s)
  if type(strategy.canary) ~= "table" then
    return nil
  end
  local total = size(strategy.canary.steps)
  local index = tonumber(s.currentStepIndex)
  if total == 0 or index == nil or index >= total then
    return nil
  end
  return waiting(string.format("executing step %d of %d", index + 1, total))
end

-- Replica counts first (new pods created, then available), then the revision hand-over.
-- Blue-green keeps the old pods until the active service has switched, so the switch is
-- checked before their termination; a canary marks the new revision stable only after the old
-- pods are gone.
local function rollout_pending(spec, strategy, s)
  local updated = tonumber(s.updatedReplicas) or 0
  local new_hash = h.text(s.currentPodHash)
  if updated < (tonumber(spec.replicas) or 1) then
    return waiting("More replicas need to be updated")
  elseif (tonumber(s.availableReplicas) or 0) < updated then
    return waiting("updated replicas are still becoming available")
  end
  if strategy.blueGreen ~= nil and new_hash then
    local active = h.text(h.get(s, "blueGreen", "activeSelector") or s.activeSelector)
    if active and active ~= new_hash then
      return waiting("active service is not yet switched to the new revision")
    end
  end
  if (tonumber(s.replicas) or 0) > updated then
    return waiting("old replicas are pending termination")
  end
  if strategy.blueGreen == nil and new_hash then
    local stable = h.text(s.stableRS or h.get(s, "canary", "stableRS"))
    if stable and stable ~= new_hash then
      return waiting("new revision is not yet marked stable")
    end
  end
  return nil
end

-- status.phase -> health status, and the message used when status.message is empty.
local ROLLOUT_PHASES = {
  Healthy = { "Healthy", "" },
  Progressing = { "Progressing", "Rollout is progressing" },
  Paused = { "Suspended", "Rollout is paused" },
  Degraded = { "Degraded", "Rollout is degraded" },
}

-- A Rollout: stale until the controller saw the latest spec; an unpause under way (the
-- controller paused it, somebody cleared its pause conditions, the controller has not resumed
-- yet) is progressing whatever the phase says; then the phase of controllers since v1.0; for
-- older ones, failures, pauses, canary steps and pending replicas, else healthy.
function M.rollout(o)
  local spec, s = h.spec(o), h.status(o)
  local strategy = h.list(spec.strategy)
  if o.status == nil or not spec_observed(o, spec, s) then
    return h.progressing("Waiting for rollout spec update to be observed")
  end
  if s.controllerPause == true and size(s.pauseConditions) == 0 then
    return h.progressing("Waiting for the rollout to unpause")
  end
  if h.text(s.phase) then
    return from_phase(s.phase, h.text(s.message), ROLLOUT_PHASES, "Rollout")
  end
  return failure(o, s)
    or pause(spec, s)
    or canary_steps_left(strategy, s)
    or rollout_pending(spec, strategy, s)
    or h.healthy("")
end

return M
