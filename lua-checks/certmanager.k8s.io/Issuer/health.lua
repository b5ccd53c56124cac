-- Legacy cert-manager (certmanager.k8s.io, pre-0.11) Issuer. Its Ready condition says whether
-- the issuer is usable (e.g. ACME account registered); False carries the registration error.
local h = require("herald")
return h.from_ready(obj, "Initializing issuer")
