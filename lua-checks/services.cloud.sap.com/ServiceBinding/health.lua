-- SAP BTP service operator ServiceBinding. Deletion is Progressing. The Succeeded condition is
-- the last operation: reason <Op>Failed when it failed (Degraded, as is Failed=True, even when
-- written for an older generation), <Op>InProgress while it runs (Progressing). A spec not yet
-- observed (conditions' observedGeneration behind metadata.generation) is Progressing. Ready says
-- whether the service is usable: True is Healthy once no operation is in flight; False or
-- missing is Progressing. See lib/sap_btp.lua.
return require("sap_btp").health(obj, "ServiceBinding")
