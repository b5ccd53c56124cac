-- ObjectBucketClaim (lib-bucket-provisioner): like a PVC for object storage. status.phase is
-- Pending until a provisioner creates the bucket and binds it (Bound: Healthy); Failed, or a
-- Released claim whose bucket went away, is Degraded.
local h = require("herald")
local phase = h.text(h.status(obj).phase)

if phase == nil then
  return h.progressing("Waiting for object bucket claim to be bound")
end
local message = "Object bucket claim phase is " .. phase
if phase == "Bound" then
  return h.healthy(message)
elseif phase == "Failed" or phase == "Released" then
  return h.degraded(message)
end
return h.progressing(message)
