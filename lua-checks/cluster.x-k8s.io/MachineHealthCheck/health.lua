-- Cluster API MachineHealthCheck. It watches the machines its selector matches
-- (status.expectedMachines), counts those whose node is up and passes the unhealthy-condition
-- checks (status.currentHealthy), and has the owners of unhealthy machines replace them as long
-- as the machines that are not healthy (unhealthy, or not started yet) stay within maxUnhealthy.
--   RemediationAllowed=False (too many machines not healthy: remediation is blocked
--     until someone acts)                                        -> Degraded
--   the paused annotation (cluster.x-k8s.io/paused) or Paused=True -> Suspended
--   no RemediationAllowed yet, or Unknown                         -> Progressing
--   fewer healthy machines than expected (machines starting, or unhealthy ones being
--     remediated)                                                -> Progressing
--   every expected machine healthy                               -> Healthy
local h = require("herald")
local c = h.by_type(obj)
local allowed = c.RemediationAllowed
local s = h.status(obj)

if h.is(allowed, "False") then
  return h.degraded(h.explain(allowed, "Remediation is not allowed"))
end
if h.annotation(obj, "cluster.x-k8s.io/paused") ~= nil or h.is(c.Paused, "True") then
  return h.suspended(h.explain(c.Paused, "MachineHealthCheck is paused"))
end
if not h.is(allowed, "True") then
  return h.progressing("Waiting for MachineHealthCheck status")
end
local expected, healthy = s.expectedMachines, s.currentHealthy
if type(expected) == "number" and type(healthy) == "number" and healthy < expected then
  return h.progressing(string.format("%d of %d machines healthy; remediation allowed", healthy, expected))
end
return h.healthy("")
