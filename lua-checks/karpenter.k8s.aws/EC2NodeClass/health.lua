-- Karpenter (AWS) EC2NodeClass. Karpenter resolves the class's AMIs, subnets, security groups
-- and instance profile and rolls the results up into the Ready condition: True when nodes can
-- be launched from it, False with the reason when something could not be resolved.
local h = require("herald")
return h.from_ready(obj, "Waiting for Karpenter to resolve the EC2NodeClass")
