-- cert-manager Certificate. The Ready condition says whether the Secret holds a valid certificate
-- that matches the spec; Issuing says whether a (re)issuance is under way or last failed.
--   Issuing=True                       -> Progressing (issuance or renewal in flight)
--   Ready=False                        -> Degraded (the failed issuance explains why, if any),
--                                         also when Ready was written for an older generation
--   Ready=True, Issuing=False (Failed) -> Degraded, health warning (valid, renewal failed)
--   Ready seen for an older generation -> Progressing (spec change not processed yet)
--   Ready=True                         -> Healthy
--   no verdict yet, or Ready=Unknown   -> Progressing
return require("cert_manager").certificate(obj)
