-- Karmada (work.karmada.io): ResourceBinding and ClusterResourceBinding propagate a resource to
-- member clusters and aggregate each member's apply result and health in
-- status.aggregatedStatus. `require("karmada").binding(obj)`.
local h = require("herald")

local M = {}

-- The binding controller rebuilds status.aggregatedStatus from the member Works on every pass
-- (one item per Work: `applied` from the Work's Applied condition, with its message as
-- `appliedMessage` when not applied; `health` Healthy/Unhealthy from the resource interpreter,
-- Unknown while the member's status has not been collected yet or could not be interpreted) and
-- derives FullyApplied from the same list: True once every scheduled cluster (spec.clusters) has
-- an applied Work, False (FullyAppliedFailed, "see status.aggregatedStatus for details") in every
-- other case, a Work not yet applied or a cluster not yet reported included. So:
-- - a member not applied, or Unhealthy: Degraded (the apply failed, or the resource is unhealthy
--   in that cluster);
-- - no member results yet, a scheduled cluster without a result, a member whose health is
--   Unknown (not collected yet), or FullyApplied not True while the members look fine (the
--   controller has not caught up, e.g. after a reschedule): Progressing;
-- - otherwise Healthy. A release without the FullyApplied condition is judged by its members.
-- The scheduler's Scheduled condition comes first and last: False with NoClusterFit ("scheduling
-- has finished due to no fit cluster"; not retried until the policy or the clusters change) is
-- Degraded whatever the members say; False with any other reason (SchedulerError,
-- Unschedulable, a quota refusal: all retried) makes members that look fine Progressing, with
-- the scheduler's message.
local GIVEN_UP = { NoClusterFit = true }

function M.binding(o)
  local scheduled_cond = h.condition(o, "Scheduled")
  if h.is(scheduled_cond, "False") and GIVEN_UP[h.text(scheduled_cond.reason) or ""] then
    return h.degraded(h.explain(scheduled_cond, "The binding could not be scheduled"))
  end
  local members = h.list(h.status(o).aggregatedStatus)
  if #members == 0 then
    if h.is(scheduled_cond, "False") then
      return h.progressing(h.explain(scheduled_cond, "Waiting for the binding to be scheduled"))
    end
    return h.progressing("Current resource status is insufficient")
  end
  local reported = {}
  local pending = nil
  for _, m in ipairs(members) do
    if type(m) ~= "table" then
      return h.degraded("Current resource status is unhealthy")
    end
    local cluster = h.text(m.clusterName) or "a member cluster"
    if m.applied ~= true then
      local why = h.text(m.appliedMessage)
      if why ~= nil then
        return h.degraded("Not applied in " .. cluster .. ": " .. why)
      end
      return h.degraded("Current resource status is unhealthy")
    elseif m.health == "Unhealthy" then
      return h.degraded("Current resource status is unhealthy")
    elseif m.health ~= "Healthy" and pending == nil then
      pending = "Waiting for the resource's health in " .. cluster
    end
    if h.text(m.clusterName) ~= nil then
      reported[m.clusterName] = true
    end
  end
  local scheduled = h.spec(o).clusters
  if type(scheduled) == "table" then
    if #members < #scheduled then
      return h.progressing("Current resource status is insufficient")
    end
    for _, target in ipairs(scheduled) do
      local name = type(target) == "table" and h.text(target.name) or nil
      if name ~= nil and not reported[name] then
        return h.progressing("Current resource status is insufficient")
      end
    end
  end
  if pending ~= nil then
    return h.progressing(pending)
  end
  if h.is(scheduled_cond, "False") then
    return h.progressing(h.explain(scheduled_cond, "Waiting for the binding to be scheduled"))
  end
  local applied = h.condition(o, "FullyApplied")
  if applied ~= nil and not h.is(applied, "True") then
    return h.progressing(h.explain(applied, "Current resource status is insufficient"))
  end
  return h.healthy("")
end

return M
