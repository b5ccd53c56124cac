-- Cluster API (cluster.x-k8s.io): Clusters and Machines move through status.phase and report
-- failures the controllers will not fix by themselves the same way.
-- `require("cluster_api").cluster(obj)`, `.machine(obj)`, `.failure(obj, "Machine")`.
local h = require("herald")

local M = {}

-- Phase Failed or a failureMessage (status.failureMessage, or v1beta2's
-- status.deprecated.v1beta1.failureMessage; the message, else the Ready condition's, else "<kind>
-- has failed"), or Ready=False with severity Error, is degraded; nil otherwise.
function M.failure(o, kind)
  local s = h.status(o)
  local ready = h.condition(o, "Ready")
  -- v1beta2 (Cluster API 1.11+) keeps the old failure fields under status.deprecated.v1beta1.
  local failure = h.text(s.failureMessage) or h.text(h.get(s, "deprecated", "v1beta1", "failureMessage"))
  if s.phase == "Failed" or failure then
    return h.degraded(failure or h.explain(ready, kind .. " has failed"))
  elseif h.is(ready, "False") and ready.severity == "Error" then
    return h.degraded(h.explain(ready, kind .. " is not ready"))
  end
  return nil
end

-- Whether the object is paused on purpose: spec.paused (Cluster, MachineDeployment), the
-- cluster.x-k8s.io/paused annotation (any Cluster API object), or the v1beta2 Paused=True
-- condition the controllers write for either.
function M.paused(o)
  return h.spec(o).paused == true or h.annotation(o, "cluster.x-k8s.io/paused") ~= nil
    or h.is(h.condition(o, "Paused"), "True")
end

-- The first of the v1beta2 progress conditions (RollingOut, ScalingUp, ScalingDown) that is
-- True, or nil.
function M.in_flight(o)
  for _, kind in ipairs({ "RollingOut", "ScalingUp", "ScalingDown" }) do
    local c = h.condition(o, kind)
    if h.is(c, "True") then
      return c
    end
  end
  return nil
end

-- Cluster: paused is suspended, even beside a failure: a paused Cluster stops every Cluster
-- API controller from processing it and its objects (spec.paused: "prevent controllers from
-- processing the Cluster and all its associated objects"; clusterctl move pauses it), so its
-- phase and conditions are frozen from before the pause and nothing will change until it is
-- resumed (also the shared corpus' suspended_paused case, phase Failed). Then a failure;
-- healthy once Provisioned, observed and not Ready=False. The v1beta2 API (Cluster API 1.11+) replaces Ready by the Available summary
-- (True when RemoteConnectionProbe, InfrastructureReady, ControlPlaneAvailable,
-- WorkersAvailable and TopologyReconciled, if present, are True) and reports progress in its own
-- conditions (RollingOut, ScalingUp, ScalingDown: summaries of the control plane's and the
-- worker pools' own): Available=False on a provisioned cluster means it is not usable
-- (Degraded, with Cluster API's message), before that it is still being provisioned; an
-- available cluster that is still rolling out or scaling is Progressing.
function M.cluster(o)
  if M.paused(o) then
    return h.suspended(h.explain(h.condition(o, "Paused"), "Cluster is paused"))
  end
  local failed = M.failure(o, "Cluster")
  if failed then
    return failed
  end
  local available = h.condition(o, "Available")
  if available ~= nil and available.status ~= "True" then
    if available.status == "False" and h.status(o).phase == "Provisioned" then
      return h.degraded(h.explain(available, "Cluster is not available"))
    end
    return h.progressing(h.explain(available, "Waiting for the cluster to become available"))
  end
  if h.status(o).phase == "Provisioned" and not h.is(h.condition(o, "Ready"), "False")
      and not h.generation_lags(o) then
    local moving = M.in_flight(o)
    if moving ~= nil then
      return h.progressing(h.explain(moving, "Cluster is " .. moving.type))
    end
    return h.healthy("Cluster is provisioned")
  end
  return h.progressing("Waiting for clusters")
end

-- Machine: paused (the annotation, or Paused=True when its Cluster is paused) is suspended, as
-- for the Cluster: its controllers stop and its status is frozen. Then a failure; healthy once
-- Running (its node joined); else progressing with the phase (Pending, Provisioning,
-- Provisioned, Deleting, Unknown).
function M.machine(o)
  local phase = h.text(h.status(o).phase)
  local failed = M.failure(o, "Machine")
  if M.paused(o) then
    return h.suspended(h.explain(h.condition(o, "Paused"), "Machine is paused"))
  elseif failed then
    return failed
  elseif phase == "Running" then
    return h.healthy("Machine is running")
  end
  -- Cluster API's Ready summary says which step it waits for ("1 of 2 completed").
  local ready = h.condition(o, "Ready")
  local why = h.is(ready, "False") and h.text(ready.message) or nil
  return h.progressing("Machine is " .. (phase or "Pending") .. (why and (": " .. why) or ""))
end

return M
