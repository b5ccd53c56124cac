-- KubeVirt VirtualMachine. The controller summarises the VM in status.printableStatus
-- (Running, Stopped, Paused, Starting, Migrating, ErrImagePull, CrashLoopBackOff, ...).
-- The Failure condition True (the controller could not create or delete the VMI: quota, limit
-- ranges, admission, node selectors) is Degraded with its message, whatever the printable status
-- (failure first). Error states (ErrorUnschedulable, ErrImagePull, ImagePullBackOff,
-- CrashLoopBackOff, ErrorPvcNotFound, ErrorDataVolumeNotFound, DataVolumeError) are Degraded; a
-- stopped or paused VM is Suspended; Unknown is Unknown; transitions (Provisioning, Starting,
-- WaitingForVolumeBinding, WaitingForReceiver, Migrating, Stopping, Terminating) are
-- Progressing, and a Running VM is Healthy once its Ready condition is True.
local h = require("herald")
local s = h.status(obj)
local printable = h.text(s.printableStatus)

local failure = h.condition(obj, "Failure")
if h.is(failure, "True") then
  return h.degraded(h.explain(failure, "Failure"))
end
if printable == nil then
  return h.progressing("No status available")
end
if printable == "Stopped" or printable == "Paused" then
  return h.suspended(printable)
end
local failing = {
  ErrorUnschedulable = true, ErrImagePull = true, ImagePullBackOff = true,
  CrashLoopBackOff = true, ErrorPvcNotFound = true, ErrorDataVolumeNotFound = true,
  DataVolumeError = true,
}
if failing[printable] then
  local ready = h.condition(obj, "Ready")
  local detail = ready and h.text(ready.message)
  if detail then
    return h.degraded(printable .. ": " .. detail)
  end
  return h.degraded(printable)
end
if printable == "Unknown" then
  return h.unknown(printable)
end
if printable == "Running" and h.is(h.condition(obj, "Ready"), "True") then
  return h.healthy(printable)
end
return h.progressing(printable)
