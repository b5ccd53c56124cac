-- SAP BTP service operator ServiceBinding. Deletion and a spec not yet observed (conditions'
-- observedGeneration behind metadata.generation) are Progressing. The Succeeded condition is the
-- last operation: reason <Op>InProgress while it runs (Progressing), <Op>Failed when it failed
-- (Degraded, as is Failed=True). Ready says whether the service is usable: True is Healthy once no
-- operation is in flight; False or missing is Progressing.
return require("sap_btp").health(obj, "ServiceBinding")
