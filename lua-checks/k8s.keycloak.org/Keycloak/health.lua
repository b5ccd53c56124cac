-- Keycloak operator Keycloak. The operator's status aggregator sets Ready (all instances up),
-- HasErrors (True when something blocks the deployment; False may still carry a mere warning)
-- and RollingUpdate (True while the StatefulSet rolls out a change), independently of each other,
-- each stamped with the generation it describes.
--   HasErrors=True                                   -> Degraded ("Has Errors: <message>")
--   Ready=True written for an older generation, or with RollingUpdate=True -> Progressing
--   Ready=True                                       -> Healthy
--   otherwise (no conditions yet, Ready False or Unknown) -> Progressing
local h = require("herald")
local c = h.by_type(obj)
if h.is(c.HasErrors, "True") then
  return h.degraded("Has Errors: " .. h.explain(c.HasErrors, "unknown error"))
end
if h.is(c.Ready, "True") then
  if h.condition_lags(obj, c.Ready) then
    return h.progressing("Waiting for the operator to reconcile the latest spec")
  end
  if h.is(c.RollingUpdate, "True") then
    return h.progressing(h.explain(c.RollingUpdate, "Rolling out deployment update"))
  end
  return h.healthy("")
end
return h.progressing("")
