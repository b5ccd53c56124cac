-- GKE ManagedCertificate: Google provisions one certificate for the listed domains and reports
-- each domain in status.domainStatus (Provisioning, Active, or Failed* such as FailedNotVisible).
-- and the certificate as a whole in status.certificateStatus (Provisioning, Active,
-- ProvisioningFailed, ProvisioningFailedPermanently, RenewalFailed). Any failed domain or a
-- failed certificate status is Degraded, any domain still provisioning (or no domain status yet)
-- is Progressing, all Active is Healthy.
local h = require("herald")
local s = h.status(obj)
local domains = type(s.domainStatus) == "table" and s.domainStatus or {}

local failed, provisioning, count = false, false, 0
for _, d in ipairs(domains) do
  if type(d) == "table" then
    count = count + 1
    local st = h.text(d.status) or ""
    if string.sub(st, 1, 6) == "Failed" then
      failed = true
    elseif st ~= "Active" then
      provisioning = true
    end
  end
end
local cert = h.text(s.certificateStatus) or ""
-- Google's own words for the certificate-level failures (compute API, ManagedSslCertificate
-- status): a permanent failure is not retried, a failed renewal leaves the current certificate
-- serving until it expires.
local CERT_FAILURES = {
  ProvisioningFailedPermanently =
    "Certificate provisioning failed permanently and will not be retried",
  RenewalFailed = "Certificate renewal failed; the current certificate serves until it expires",
}
if not failed and CERT_FAILURES[cert] then
  return h.degraded(CERT_FAILURES[cert])
end
if failed or string.find(cert, "Failed") then
  return h.degraded("At least one certificate has failed to be provisioned")
end
if provisioning or count == 0 or cert ~= "Active" then
  return h.progressing("At least one certificate is still being provisioned")
end
return h.healthy("All certificates are active")
