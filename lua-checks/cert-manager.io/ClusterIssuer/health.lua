-- cert-manager ClusterIssuer. Its Ready condition says whether cert-manager could set up the issuer
-- (ACME account registered, CA key pair found, Vault reachable...).
--   Ready=False                        -> Degraded, with cert-manager's explanation
--   Ready seen for an older generation -> Progressing (spec change not processed yet)
--   Ready=True                         -> Healthy
--   Ready missing or Unknown           -> Progressing
return require("cert_manager").issuer(obj, "ClusterIssuer")
