-- NetApp Astra Application, the set of namespaces/resources Astra protects. Its Ready condition
-- says whether Astra can manage the application (e.g. namespaces exist and are not terminating).
local h = require("herald")
local ready = h.condition(obj, "Ready")

if type(obj.status) ~= "table" then
  return h.progressing(require("astra").NO_STATUS)
elseif h.is(ready, "True") then
  return h.healthy("Astra Application Healthy")
elseif h.is(ready, "False") then
  return h.degraded("Astra Application Degraded, message: " .. h.explain(ready, "not ready"))
end
return h.progressing("Waiting for Astra Application to become ready")
