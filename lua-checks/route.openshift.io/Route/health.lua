-- OpenShift Route: each router that serves the route reports an ingress entry whose Admitted
-- condition says whether it accepted the route. Any router rejecting it -> Degraded (with the
-- router's reason: HostAlreadyClaimed, ExtendedValidationFailed, InvalidHost...); admitted by at
-- least one router -> Healthy; no answer yet -> Progressing. UnservableInFutureVersions=True is
-- the router's advice about a certificate a later release will refuse: not read.
local h = require("herald")
local admitted = false
for _, entry in ipairs(h.list(h.status(obj).ingress)) do
  for _, c in ipairs(h.list(h.field(entry, "conditions"))) do
    if type(c) == "table" and c.type == "Admitted" then
      if h.is(c, "False") then
        return h.degraded(h.explain(c, "Route was rejected by router " .. tostring(entry.routerName or "")))
      end
      admitted = admitted or h.is(c, "True")
    end
  end
end
if admitted then
  return h.healthy("Route is healthy")
end
return h.progressing("Waiting for the route to be admitted")
