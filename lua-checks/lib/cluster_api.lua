-- Cluster API (cluster.x-k8s.io): Clusters and Machines move through status.phase and report
-- failures the controllers will not fix by themselves the same way.
-- `require("cluster_api").cluster(obj)`, `.machine(obj)`, `.failure(obj, "Machine")`.
local h = require("herald")

local M = {}

-- Phase Failed or a failureMessage (the message, else the Ready condition's, else "<kind>
-- has failed"), or Ready=False with severity Error, is degraded; nil otherwise.
function M.failure(o, kind)
  local s = h.status(o)
  local ready = h.condition(o, "Ready")
  if s.phase == "Failed" or h.text(s.failureMessage) then
    return h.degraded(h.text(s.failureMessage) or h.explain(ready, kind .. " has failed"))
  elseif h.is(ready, "False") and ready.severity == "Error" then
    return h.degraded(h.explain(ready, kind .. " is not ready"))
  end
  return nil
end

-- Cluster: paused is suspended; healthy once Provisioned, observed and not Ready=False.
-- The v1beta2 API (Cluster API 1.11+) replaces Ready by the Available summary (True when
-- RemoteConnectionProbe, InfrastructureReady, ControlPlaneAvailable, WorkersAvailable and
-- TopologyReconciled, if present, are True) and reports progress in its own conditions
-- (RollingOut, ScalingUp...): Available=False on a provisioned cluster means it is not usable
-- (Degraded, with Cluster API's message), before that it is still being provisioned.
function M.cluster(o)
  if h.spec(o).paused == true then
    return h.suspended("Cluster is paused")
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
    return h.healthy("Cluster is provisioned")
  end
  return h.progressing("Waiting for clusters")
end

-- Machine: healthy once Running (its node joined); else progressing with the phase.
function M.machine(o)
  local phase = h.text(h.status(o).phase)
  local failed = M.failure(o, "Machine")
  if failed then
    return failed
  elseif phase == "Running" then
    return h.healthy("Machine is running")
  end
  return h.progressing("Machine is " .. (phase or "Pending"))
end

return M
