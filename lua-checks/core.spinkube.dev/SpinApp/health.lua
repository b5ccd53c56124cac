-- SpinKube SpinApp. The operator mirrors its Deployment's Available and Progressing conditions
-- and counts status.readyReplicas, so they mean what they mean on a Deployment:
-- - Progressing=False with reason ProgressDeadlineExceeded (the rollout timed out) or
--   ReplicaSetCreateError (the new ReplicaSet could not be created): degraded, whatever
--   Available says (the old pods may still serve, the new spec will not arrive by itself);
-- - Available=False once the rollout has completed (Progressing reason NewReplicaSetAvailable):
--   degraded;
-- - Progressing=True: a rollout in flight, progressing (also with NewReplicaSetAvailable, as the
--   shared corpus' progressing case wants);
-- - Available=False: lost availability, degraded; Available missing or Unknown: waiting;
-- - Available=True with fewer ready replicas than spec.replicas (not autoscaled): progressing;
-- - otherwise healthy with its ready replica count.
local h = require("herald")
if obj.status == nil then
  return h.progressing("Waiting for status to be available")
end
local c = h.by_type(obj)
local failed = { ProgressDeadlineExceeded = true, ReplicaSetCreateError = true }
if h.is(c.Progressing, "False") and failed[c.Progressing.reason or ""] then
  return h.degraded(h.explain(c.Progressing, "The rollout failed"))
elseif h.is(c.Available, "False") and h.field(c.Progressing, "reason") == "NewReplicaSetAvailable" then
  -- The rollout has completed (the Deployment controller's reason for a finished rollout), so
  -- the lost availability is not part of it.
  return h.degraded(h.explain(c.Available, "Application is not available"))
elseif h.is(c.Progressing, "True") then
  return h.progressing(h.explain(c.Progressing, "Rollout in progress"))
elseif h.is(c.Available, "False") then
  return h.degraded(h.explain(c.Available, "Application is not available"))
elseif not h.is(c.Available, "True") then
  return h.progressing("Waiting for the application to become available")
end
local ready = h.num(h.status(obj).readyReplicas)
local wanted = h.num(h.spec(obj).replicas, ready)
if ready < wanted and h.spec(obj).enableAutoscaling ~= true then
  return h.progressing(string.format("Waiting for replicas to be ready (%d/%d)", ready, wanted))
end
return h.healthy(string.format("Application is healthy with %d/%d replicas ready", ready, wanted))
