-- cert-manager Certificate. The Ready condition says whether the Secret holds a valid certificate
-- that matches the spec; Issuing says whether a (re)issuance is under way or last failed.
--   Issuing=True                       -> Progressing (issuance or renewal in flight)
--   Ready seen for an older generation -> Progressing (spec change not processed yet)
--   Ready=True, Issuing=False (Failed) -> Degraded, health warning (valid, renewal failed)
--   Ready=True                         -> Healthy
--   Ready=False                        -> Degraded (the failed issuance explains why, if any)
--   no verdict yet                     -> Progressing
return require("cert_manager").certificate(obj)
