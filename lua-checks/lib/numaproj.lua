-- Numaflow and Numaplane (numaproj.io). Numaflow's pipeline objects (Pipeline, Vertex,
-- MonoVertex, InterStepBufferService) share a phase-and-conditions status; Numaplane's rollouts
-- (PipelineRollout, MonoVertexRollout, ISBServiceRollout, NumaflowControllerRollout) share a
-- phase plus conditions about the child they roll out.
-- `require("numaproj").numaflow(obj, "Pipeline")`, `require("numaproj").rollout(obj)`.
local h = require("herald")

local M = {}

-- A Numaflow object. Numaplane's progressive-result-state=failed label is Degraded; phase
-- Failed is Degraded (status.message), also beside a newer spec (failure before a generation
-- lag); then a stale observedGeneration is Progressing; any False condition is Degraded (its
-- message, or `unhealthy` when given), even while paused: a failure
-- outranks a pause, and the controller keeps reporting its subresources while paused. Then
-- Paused is Healthy (stopped on purpose), Pausing is Progressing, Running is Healthy;
-- anything else is Progressing.
function M.numaflow(o, kind, unhealthy)
  local name = h.text(h.field(o, "kind")) or kind
  local phase = h.status(o).phase
  local waiting = "Waiting for " .. name .. " status"
  if h.label(o, "numaplane.numaproj.io/progressive-result-state") == "failed" then
    return h.degraded("Failed progressive upgrade")
  end
  if phase == "Failed" then
    return h.degraded(h.text(h.status(o).message) or (name .. " failed"))
  end
  if h.generation_lags(o) then
    return h.progressing(waiting)
  end
  local bad = h.first_with(o, "False")
  if bad ~= nil then
    return h.degraded(unhealthy or h.explain(bad, name .. " is unhealthy"))
  end
  if phase == "Paused" then
    return h.healthy(name .. " is paused")
  elseif phase == "Pausing" then
    return h.progressing(name .. " is pausing")
  elseif phase == "Running" then
    return h.healthy(name .. " is healthy")
  end
  return h.progressing(waiting)
end

-- The first True condition whose type ends in "PausingOrPaused" (the rolled-out child is
-- pausing or paused on purpose), or nil.
local function pausing_or_paused(o)
  for _, c in ipairs(h.conditions(o)) do
    if type(c) == "table" and type(c.type) == "string" and string.find(c.type, "PausingOrPaused$")
        and c.status == "True" then
      return c
    end
  end
  return nil
end

-- A Numaplane rollout. Healthy once the controller has seen the current generation, the phase
-- is Deployed and ChildResourcesHealthy is True, or the child is deliberately paused. No phase
-- or a stale generation, Pending, pausing, an upgrade in progress (status.upgradeInProgress
-- names the strategy while one runs) or a child that is progressing or pending is Progressing.
-- Failures are reported as phase Failed, a False ProgressiveUpgradeSucceeded (both judged
-- before a generation lag: failure first) or a False ChildResourcesHealthy with a failure reason
-- (PipelineFailed, MonoVertexFailed, ISBSvcFailed, ...): Degraded. A False
-- ChildResourcesHealthy whose reason is a wait (Progressing, Pending, ISBSvcPending) or a
-- transition (PipelineDeleting) is Progressing, and so is ChildResourcesHealthy=Unknown (the
-- child's phase is Unknown, or it is pausing: not judged yet), with its message.
-- ChildResourceDeployed is only ever set True by the controller (when it applies the child), so
-- it decides nothing.
function M.rollout(o)
  local s = h.status(o)
  local c = h.by_type(o)
  if s.phase == nil then
    return h.progressing("Not yet reconciled")
  end
  if s.phase == "Failed" then
    return h.degraded(h.text(s.message) or "Failed")
  end
  if h.is(c.ProgressiveUpgradeSucceeded, "False") then
    return h.degraded("Progressive upgrade failed")
  end
  if h.generation_lags(o) then
    return h.progressing("Not yet reconciled")
  end
  local paused = pausing_or_paused(o)
  if paused ~= nil then
    if string.find(h.text(paused.reason) or "", "Pausing") then
      return h.progressing(h.explain(paused, "Pausing"))
    end
    return h.healthy(h.text(paused.message) or "Paused")
  end
  if s.phase == "Pending" or h.text(s.upgradeInProgress) ~= nil then
    return h.progressing("Update in progress")
  end
  local child = c.ChildResourcesHealthy
  if h.is(child, "False") then
    local reason = h.text(child.reason) or "Unhealthy"
    if reason == "Progressing" or reason == "Pending" then
      return h.progressing("Child " .. reason)
    end
    -- The controller's waits and transitions: the child is pending (ISBSvcPending: phase
    -- Pending or its own health not known yet) or being deleted (PipelineDeleting).
    if string.find(reason, "Pending$") or string.find(reason, "Deleting$") then
      return h.progressing("Child " .. reason .. ": " .. h.explain(child, reason))
    end
    return h.degraded("Child " .. reason .. ": " .. h.explain(child, "unhealthy"))
  end
  if h.is(child, "Unknown") then
    -- Written while the child has no phase yet (phase Unknown) or is pausing: not judged yet.
    return h.progressing(h.explain(child, "Child health unknown"))
  end
  if s.phase == "Deployed" and h.is(child, "True") then
    return h.healthy("Healthy")
  end
  return h.progressing(h.explain(child, "Waiting for child resources"))
end

return M
