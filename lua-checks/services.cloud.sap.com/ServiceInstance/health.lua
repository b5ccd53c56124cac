-- SAP BTP service operator ServiceInstance (a provisioned SAP BTP service). Deletion and a spec not yet observed
-- (conditions' observedGeneration behind metadata.generation) are Progressing. Failed=True is
-- Degraded; Ready=True is Healthy; otherwise the Succeeded condition tells the operation
-- still in flight (Progressing).
return require("sap_btp").health(obj, "ServiceInstance")
