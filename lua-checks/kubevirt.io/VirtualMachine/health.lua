-- KubeVirt VirtualMachine. The controller summarises the VM in status.printableStatus
-- (Running, Stopped, Paused, Starting, Migrating, ErrImagePull, CrashLoopBackOff, ...).
-- A stopped or paused VM is Suspended, error states are Degraded, transitions are Progressing,
-- and a Running VM is Healthy once its Ready condition is True.
local h = require("herald")
local s = h.status(obj)
local printable = h.text(s.printableStatus)

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
