-- Cluster API MachineHealthCheck. It remediates unhealthy machines as long as their number
-- stays within maxUnhealthy; RemediationAllowed=False means too many targets are unhealthy
-- and remediation is blocked.
local h = require("herald")
local allowed = h.condition(obj, "RemediationAllowed")

if h.is(allowed, "False") then
  return h.degraded(h.explain(allowed, "Remediation is not allowed"))
elseif h.is(allowed, "True") then
  return h.healthy("")
end
return h.progressing("Waiting for MachineHealthCheck status")
