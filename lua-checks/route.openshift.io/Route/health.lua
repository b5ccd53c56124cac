-- OpenShift Route: each router that serves the route reports an ingress entry whose Admitted
-- condition says whether it accepted the route. Any router rejecting it -> Degraded (with the
-- router's reason); admitted by at least one router -> Healthy; no answer yet -> Progressing.
local h = require("herald")
local ingress = h.status(obj).ingress
local admitted = false
for _, entry in ipairs(type(ingress) == "table" and ingress or {}) do
  if type(entry) == "table" and type(entry.conditions) == "table" then
    for _, c in ipairs(entry.conditions) do
      if type(c) == "table" and c.type == "Admitted" then
        if c.status == "False" then
          return h.degraded(h.explain(c, "Route was rejected by router " .. tostring(entry.routerName or "")))
        elseif c.status == "True" then
          admitted = true
        end
      end
    end
  end
end
if admitted then
  return h.healthy("Route is healthy")
end
return h.progressing("Waiting for the route to be admitted")
