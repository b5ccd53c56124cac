-- OpenKruise (apps.kruise.io) workloads: CloneSet, Advanced StatefulSet and Advanced DaemonSet
-- share the rollout rules (initialization, paused update, partition reached, replicas ready).
-- `require("kruise").cloneset(obj)`, `.statefulset(obj)`, `.daemonset(obj)`.
local h = require("herald")

local M = {}

local WAITING = "Waiting for initialization"

-- spec.updateStrategy and its rollingUpdate, as tables (empty when missing).
local function strategy(o)
  local s = h.list(h.spec(o).updateStrategy)
  return s, h.list(s.rollingUpdate)
end

-- A paused update, or one that reached its partition and waits for a person to lower it, is
-- suspended ("<name> is paused" / "<name> needs manual intervention"); nil otherwise.
local function held(name, paused, at_partition)
  if paused == true then
    return h.suspended(name .. " is paused")
  elseif at_partition then
    return h.suspended(name .. " needs manual intervention")
  end
  return nil
end

-- Every replica runs the updated revision and is ready and available. While the controller
-- still replaces pods (status.updatedReplicas, when reported, below status.replicas) the update
-- is under way, not failing, unless no replica is ready at all (status.readyReplicas 0).
local function replicas_ready(s, name)
  local replicas = h.num(s.replicas)
  if type(s.updatedReplicas) == "number" and s.updatedReplicas < replicas then
    if s.readyReplicas == 0 and replicas > 0 then
      -- Mid-update, but nothing serves any more: not a rollout to wait for.
      return h.degraded(string.format("No replica is ready (%d of %d updated)",
        s.updatedReplicas, replicas))
    end
    return h.progressing(string.format("Waiting for the update: %d of %d replicas updated",
      s.updatedReplicas, replicas))
  elseif h.num(s.updatedReadyReplicas) < replicas or h.num(s.updatedAvailableReplicas) < replicas then
    return h.degraded("Some replicas are not ready or available")
  end
  return h.healthy("All " .. name .. " workloads are ready and updated")
end

-- CloneSet and Advanced StatefulSet count replicas. `at_partition(s)` says whether the update
-- reached its partition.
local function replica_set(o, name, paused, at_partition)
  local s = o.status
  if type(s) ~= "table" or h.generation_lags(o) then
    return h.progressing(WAITING)
  end
  return held(name, paused, at_partition(s)) or replicas_ready(s, name)
end

-- CloneSet: the partition is reached once updatedReplicas >= expectedUpdatedReplicas.
function M.cloneset(o)
  local update = strategy(o)
  return replica_set(o, "Cloneset", update.paused, function(s)
    return h.num(update.partition) > 0 and type(s.expectedUpdatedReplicas) == "number"
      and h.num(s.updatedReplicas) >= s.expectedUpdatedReplicas
  end)
end

-- Advanced StatefulSet: the partition is reached once the ordinals above it are updated.
function M.statefulset(o)
  local _, rolling = strategy(o)
  local partition = h.num(rolling.partition)
  return replica_set(o, "Statefulset", rolling.paused, function(s)
    return partition > 0 and type(s.updatedReplicas) == "number"
      and s.updatedReplicas >= h.num(h.spec(o).replicas) - partition
  end)
end

-- Advanced DaemonSet: counted in nodes (desiredNumberScheduled) rather than replicas.
function M.daemonset(o)
  local s = h.status(o)
  local desired = h.num(s.desiredNumberScheduled)
  if desired == 0 or h.generation_lags(o) then
    return h.progressing(WAITING)
  end
  local _, rolling = strategy(o)
  local partition = h.num(rolling.partition)
  local updated = h.num(s.updatedNumberScheduled)
  local verdict = held("Daemonset", rolling.paused, partition > 0 and updated >= desired - partition)
  if verdict then
    return verdict
  elseif updated < desired then
    return h.progressing("Waiting for daemon pods to be updated")
  elseif h.num(s.numberAvailable) < desired then
    return h.degraded("Some pods are not ready or available")
  end
  return h.healthy("All Daemonset workloads are ready and updated")
end

return M
