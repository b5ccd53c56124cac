-- Open Cluster Management CertificatePolicy: checks certificate Secrets (expiry, duration, SANs)
-- in the selected namespaces. The policy controller sets status.compliant: Compliant is Healthy,
-- NonCompliant (some certificate breaks the rules) is Degraded, anything else is Progressing.
local h = require("herald")
local compliant = h.text(h.status(obj).compliant)

if compliant == "Compliant" then
  return h.healthy("All certificates found comply with the policy")
elseif compliant == "NonCompliant" then
  return h.degraded("At least once certificate does not comply with the policy")
end
return h.progressing("Waiting for the status to be reported")
