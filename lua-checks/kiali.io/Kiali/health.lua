-- Kiali is reconciled by an Ansible-based operator. It reports a "Failure" condition when a run
-- fails, a "Successful" condition after a clean run, and a "Running" condition whose reason says
-- whether a run is under way ("Running") or finished ("Successful", awaiting the next one).
local h = require("herald")
local c = h.by_type(obj)

-- The operator may leave an older Failure condition beside a newer one: any True is a failure.
for _, cond in ipairs(h.conditions(obj)) do
  if type(cond) == "table" and cond.type == "Failure" and h.is(cond, "True") then
    return h.degraded(h.explain(cond, "Reconciliation failed"))
  end
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
