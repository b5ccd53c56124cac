-- OpenShift DeploymentConfig. The Progressing condition follows the latest rollout: True with
-- reason NewReplicationControllerAvailable once it finished, True with another reason or Unknown
-- while the deployer pod works, False when it failed (ProgressDeadlineExceeded, a cancelled
-- rollout). Available says whether the minimum number of replicas is up; with no replicas
-- running (status.replicas 0) it is False without meaning anything. A failure wins over a
-- generation lag: a failed rollout, or no availability while no rollout is under way, is
-- Degraded. A paused config (spec.paused; the controller writes Progressing=Unknown with reason
-- DeploymentConfigPaused) is Suspended. After a finished rollout, replicas that are not (yet) available are being replaced
-- by the ReplicationController, so that is Progressing.
local h = require("herald")
local c = h.by_type(obj)
local progressing, available = c.Progressing, c.Available
local running = h.status(obj).replicas ~= 0

if h.is(progressing, "False") then
  return h.degraded(h.explain(progressing, "Deployment config rollout failed"))
end
if running and h.is(available, "False") and not h.is(progressing, "True") then
  return h.degraded("Deployment config is degraded")
end
if h.spec(obj).paused == true or h.field(progressing, "reason") == "DeploymentConfigPaused" then
  -- Paused (`oc rollout pause`): no new rollout starts, whatever changes, until it is resumed.
  return h.suspended(h.explain(progressing, "Deployment config is paused"))
end
if h.generation_lags(obj) then
  return h.progressing("Waiting for the rollout to start")
end
if h.is(progressing, "True") and progressing.reason == "NewReplicationControllerAvailable" then
  if h.is(available, "True") or not running then
    return h.healthy("replication controller successfully rolled out")
  end
end
return h.progressing("replication controller is waiting for pods to run")
