-- OpenShift Data Foundation StorageCluster. ocs-operator reports operator-style conditions:
-- Degraded True is Degraded, Progressing True (initialising, upgrading, reconciling, expanding)
-- is Progressing, and Available True is Healthy. It also keeps status.phase (Ready,
-- Progressing, Expanding, Connecting, Deleting, Error, Ignored), read where the conditions say
-- nothing: phase Error is Degraded, and phase Ignored, which the operator sets (without any
-- condition) on a StorageCluster created while another one is active in the namespace and then
-- never reconciles again, is Degraded too: it will not be set up unless someone acts.
local h = require("herald")
local operator = require("openshift_operator")
local phase = h.text(h.status(obj).phase)

if phase == "Ignored" then
  return h.degraded(
    "StorageCluster is ignored: another StorageCluster is already active in the namespace")
end
local verdict = operator.degraded_or_progressing(obj, "StorageCluster")
  or operator.available(obj, "StorageCluster")
if verdict ~= nil then
  return verdict
end
if phase == "Error" then
  return h.degraded("StorageCluster phase is Error")
end
return h.progressing(phase and ("StorageCluster phase is " .. phase)
  or "Waiting for StorageCluster status")
