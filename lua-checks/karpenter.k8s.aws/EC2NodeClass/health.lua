-- Karpenter (AWS) EC2NodeClass. Karpenter resolves the class's AMIs, subnets, security groups,
-- instance profile and capacity reservations, validates it, and records each in a condition
-- (AMIsReady, SubnetsReady, SecurityGroupsReady, InstanceProfileReady,
-- CapacityReservationsReady, ValidationSucceeded); its status library rolls them up into Ready:
-- True when nodes can be launched from the class; False (reason UnhealthyDependents, message
-- "<Type>=False") when one of them failed; Unknown (ReconcilingDependents) while one has not
-- been judged for the latest generation.
--   Ready=True            -> Healthy
--   Ready=False           -> Degraded, with the failed condition's own message when there is one
--   Ready Unknown, absent -> Progressing
local h = require("herald")
local ready = h.condition(obj, "Ready")
if h.is(ready, "False") then
  local message = h.explain(ready, "EC2NodeClass is not ready")
  for _, c in ipairs(h.conditions(obj)) do
    if type(c) == "table" and c.type ~= "Ready" and c.status == "False" and h.text(c.message) then
      return h.degraded(message .. ": " .. c.message)
    end
  end
  return h.degraded(message)
end
return h.from_ready(obj, "Waiting for Karpenter to resolve the EC2NodeClass")
