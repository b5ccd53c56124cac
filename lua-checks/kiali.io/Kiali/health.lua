-- Kiali is reconciled by an Ansible-based operator. It reports a "Failure" condition when a run
-- fails, a "Successful" condition after a clean run, and a "Running" condition whose reason says
-- whether a run is under way ("Running") or finished ("Successful", awaiting the next one).
local h = require("herald")
local c = h.by_type(obj)

if h.is(c.Failure, "True") then
  return h.degraded(h.explain(c.Failure, "Reconciliation failed"))
end
local running = c.Running
if h.is(running, "True") and running.reason == "Running" then
  return h.progressing(h.explain(running, "Reconciling"))
end
if h.is(c.Successful, "True") then
  return h.healthy(h.explain(c.Successful, "Reconciled"))
end
if h.is(running, "True") and running.reason == "Successful" then
  return h.healthy(h.explain(running, "Reconciled"))
end
if running ~= nil then
  return h.progressing(h.explain(running, "Reconciling"))
end
return h.progressing("Waiting for Kiali to be reconciled")
