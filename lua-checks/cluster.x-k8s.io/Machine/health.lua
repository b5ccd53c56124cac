-- Cluster API Machine. status.phase follows the machine's life: Pending, Provisioning,
-- Provisioned, Running (node joined), Deleting, Failed. A Ready condition False with severity
-- Error (or a failureMessage) is a failure the controllers will not fix by themselves.
local h = require("herald")
local s = h.status(obj)
local ready = h.condition(obj, "Ready")
local phase = h.text(s.phase)

if phase == "Failed" or h.text(s.failureMessage) then
  return h.degraded(h.text(s.failureMessage) or h.explain(ready, "Machine has failed"))
end
if h.is(ready, "False") and ready.severity == "Error" then
  return h.degraded(h.explain(ready, "Machine is not ready"))
end
if phase == "Running" then
  return h.healthy("Machine is running")
end
return h.progressing("Machine is " .. (phase or "Pending"))
