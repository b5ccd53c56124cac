-- KubeVirt VirtualMachineInstance. status.phase runs Pending -> Scheduling -> Scheduled ->
-- Running, ending in Succeeded (the guest shut down: nothing runs any more, Suspended) or Failed
-- (Degraded, even if it was paused: failure first). Before it runs, a launcher pod that cannot
-- start (Synchronized=False with FailedCreate, ErrImagePull, ImagePullBackOff or
-- FailedPvcNotFound; PodScheduled=False, Unschedulable) is Degraded with the reason and message.
-- A Running VMI is Healthy when its Ready condition is True and Suspended when the Paused
-- condition is True (the guest was paused).
local h = require("herald")
local s = h.status(obj)
local phase = h.text(s.phase)
local c = h.by_type(obj)

if phase == nil then
  return h.progressing("Waiting for VirtualMachineInstance to be scheduled")
end
if phase == "Failed" then
  return h.degraded(h.explain(c.Ready, "Failed"))
end
-- Before the guest runs, virt-controller reports why the launcher pod cannot start: the
-- Synchronized condition False with the sync error (FailedCreate: the pod was rejected, e.g. by
-- a quota; ErrImagePull / ImagePullBackOff: a containerDisk image; FailedPvcNotFound), and the
-- pod's PodScheduled=False with reason Unschedulable. These are the states the VirtualMachine
-- shows as ErrorUnschedulable, ErrImagePull, ImagePullBackOff or ErrorPvcNotFound.
local START_FAILURES = {
  FailedCreate = true, ErrImagePull = true, ImagePullBackOff = true, FailedPvcNotFound = true,
}
if phase ~= "Running" and phase ~= "Succeeded" then
  local sync = c.Synchronized
  if h.is(sync, "False") and START_FAILURES[sync.reason] then
    return h.degraded(sync.reason .. ": " .. h.explain(sync, sync.reason))
  end
  local scheduled = c.PodScheduled
  if h.is(scheduled, "False") and scheduled.reason == "Unschedulable" then
    return h.degraded("Unschedulable: " .. h.explain(scheduled, "Unschedulable"))
  end
end
if h.is(c.Paused, "True") then
  return h.suspended(h.explain(c.Paused, "Paused"))
end
if phase == "Unknown" then
  return h.unknown(h.explain(c.Ready, "Unknown"))
end
if phase == "Succeeded" then
  return h.suspended("Succeeded")
end
if phase == "Running" then
  if h.is(c.Ready, "True") then
    return h.healthy("Running")
  end
  return h.progressing(h.explain(c.Ready, "Running"))
end
return h.progressing(phase)
