-- Zalando postgres-operator cluster. status.PostgresClusterStatus is the operator's phase:
-- Running is healthy, Creating/Updating are in progress, and *Failed or Invalid mean the
-- operator could not create, update or sync the cluster.
local h = require("herald")
local phase = h.text(h.status(obj).PostgresClusterStatus)

if phase == nil then
  return h.progressing("Waiting for the operator to report status")
elseif phase == "Running" then
  return h.healthy(phase)
elseif phase == "Creating" or phase == "Updating" then
  return h.progressing(phase)
elseif phase == "Invalid" or phase:find("Failed", 1, true) then
  return h.degraded(phase)
end
return h.unknown(phase)
