-- 3scale APIManager. The operator's status reconciler writes Available as its summary: True once
-- every component deployment is available and the default routes are admitted, False otherwise.
-- A False Available carries a reason only when the install is blocked (the reason and message of
-- SecretsAvailable, e.g. MissingWatchedSecrets); without one the components are still starting.
-- Newer operators add Preflights (requirements of the release not met) and the sub-conditions
-- SecretsAvailable, DeploymentsAvailable and RoutesReady.
--   Preflights=False or SecretsAvailable=False   -> Degraded (the condition's message)
--   Available=True                               -> Healthy
--   Available=False with a reason                -> Degraded
--   Available=False without one                  -> Progressing (deployments or routes not ready)
--   no Available yet, or Unknown                 -> Progressing
local h = require("herald")
local c = h.by_type(obj)
local available = c.Available

if h.is(c.Preflights, "False") then
  return h.degraded(h.explain(c.Preflights, "3scale APIManager preflight checks failed"))
end
if h.is(c.SecretsAvailable, "False") then
  return h.degraded(h.explain(c.SecretsAvailable, "3scale APIManager secrets are missing"))
end
if h.is(available, "True") then
  return h.healthy("3scale APIManager is available")
end
if h.is(available, "False") then
  local reason = h.text(available.reason)
  if reason then
    return h.degraded("3scale APIManager is degraded: " .. reason)
  end
  for _, sub in ipairs({ c.DeploymentsAvailable, c.RoutesReady }) do
    if h.is(sub, "False") and h.text(sub.message) then
      return h.progressing(sub.message)
    end
  end
  local deployments = h.status(obj).deployments
  local waiting = {}
  for _, list in ipairs({ h.field(deployments, "starting"), h.field(deployments, "stopped") }) do
    for _, name in ipairs(h.list(list)) do
      waiting[#waiting + 1] = tostring(name)
    end
  end
  if #waiting > 0 then
    return h.progressing("Waiting for 3scale APIManager deployments: " .. table.concat(waiting, ", "))
  end
  return h.progressing("Waiting for 3scale APIManager deployments and routes to be ready")
end
return h.progressing("Waiting for 3scale APIManager to become available")
