-- KubeVirt VirtualMachineInstance. status.phase runs Pending -> Scheduling -> Scheduled ->
-- Running, ending in Succeeded (the guest shut down: nothing runs any more, Suspended) or Failed
-- (Degraded, even if it was paused: failure first). A Running VMI is Healthy when its Ready
-- condition is True and Suspended when the Paused condition is True (the guest was paused).
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
