-- proclaim DNSSDServiceInstance: a DNS-SD service instance advertised by a provider.
-- Adopted=False (no provider can serve the domain) or Advertised=False (provider error) is
-- Degraded; Discoverable=False means the records are not visible yet (propagation): Progressing.
-- All three True is Healthy.
local h = require("herald")
local c = h.by_type(obj)
if h.is(c.Adopted, "False") then
  return h.degraded(h.explain(c.Adopted, "Instance not adopted by any provider"))
end
if h.is(c.Advertised, "False") then
  return h.degraded(h.explain(c.Advertised, "Instance could not be advertised"))
end
if h.is(c.Discoverable, "False") then
  return h.progressing(h.explain(c.Discoverable, "Instance is not discoverable yet"))
end
if h.is(c.Discoverable, "True") then
  return h.healthy(h.explain(c.Discoverable, ""))
end
return h.progressing("Waiting for the instance to be advertised")
