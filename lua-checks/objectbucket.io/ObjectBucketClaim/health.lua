-- ObjectBucketClaim (lib-bucket-provisioner): like a PVC for object storage. status.phase is
-- Pending until a provisioner creates the bucket and binds it (Bound: Healthy); Failed, or a
-- Released claim whose bucket went away, is Degraded.
local h = require("herald")
local phase = h.text(h.status(obj).phase)

if phase == nil then
  return h.progressing("Waiting for object bucket claim to be bound")
end
return h.lookup(phase, { Bound = "Healthy", Failed = "Degraded", Released = "Degraded" },
  "Object bucket claim phase is " .. phase)
