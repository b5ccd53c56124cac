-- proclaim DNSSDServiceInstance: a DNS-SD service instance advertised by a provider. proclaim
-- writes three conditions:
--   Adopted=False                      -> Degraded (no provider can serve the domain)
--   Advertised, reason AdvertiseError or UnadvertiseError -> Degraded: proclaim records a
--                                         provider's failure with status Unknown, so the reason,
--                                         not the status, says the attempt failed
--   Advertised=False                   -> Progressing (RecordsDeleted: the records are not in
--                                         place, nothing failed)
--   Discoverable, reason DiscoveryError (older releases, status Unknown) or Error (status
--   False)                             -> Unknown: the DNS-SD browse or lookup that verifies the
--                                         records failed, so proclaim cannot tell whether the
--                                         instance is discoverable
--   Discoverable=False                 -> Progressing (browse/lookup does not see the records
--                                         yet, or sees cached values: propagation)
--   Discoverable=True                  -> Healthy
--   otherwise                          -> Progressing
local h = require("herald")
local c = h.by_type(obj)
local PROVIDER_ERRORS = { AdvertiseError = true, UnadvertiseError = true }
if h.is(c.Adopted, "False") then
  return h.degraded(h.explain(c.Adopted, "Instance not adopted by any provider"))
end
local advertised = c.Advertised
if advertised and not h.is(advertised, "True") and PROVIDER_ERRORS[advertised.reason] then
  return h.degraded(h.explain(advertised, "Instance could not be advertised"))
end
if h.is(advertised, "False") then
  return h.progressing(h.explain(advertised, "Instance is not advertised"))
end
local DISCOVERY_ERRORS = { DiscoveryError = true, Error = true }
if c.Discoverable and not h.is(c.Discoverable, "True") and DISCOVERY_ERRORS[c.Discoverable.reason] then
  return h.unknown(h.explain(c.Discoverable, "DNS-SD discovery failed"))
end
if h.is(c.Discoverable, "False") then
  return h.progressing(h.explain(c.Discoverable, "Instance is not discoverable yet"))
end
if h.is(c.Discoverable, "True") then
  return h.healthy(h.explain(c.Discoverable, ""))
end
return h.progressing("Waiting for the instance to be advertised")
