-- Keycloak operator Keycloak. The operator sets Ready (all instances up), HasErrors (True when
-- something blocks the deployment; False may still carry a mere warning) and RollingUpdate.
-- Errors are degraded, Ready=True is healthy, anything else is still rolling out.
local h = require("herald")
local c = h.by_type(obj)
if h.is(c.HasErrors, "True") then
  return h.degraded("Has Errors: " .. h.explain(c.HasErrors, "unknown error"))
end
if h.is(c.Ready, "True") then
  return h.healthy("")
end
return h.progressing("")
