-- Legacy cert-manager (certmanager.k8s.io, pre-0.11) Certificate. Its Ready condition says
-- whether the certificate was issued or renewed; False carries the validation/issuing error.
local h = require("herald")
return h.from_ready(obj, "Waiting for certificate")
