-- OpenShift Data Foundation StorageCluster. ocs-operator reports operator-style conditions:
-- Degraded True is Degraded, Progressing True (initialising, upgrading, reconciling) is
-- Progressing, and Available True is Healthy.
local operator = require("openshift_operator")
return operator.degraded_or_progressing(obj, "StorageCluster")
  or operator.available(obj, "StorageCluster")
  or require("herald").progressing("Waiting for StorageCluster status")
