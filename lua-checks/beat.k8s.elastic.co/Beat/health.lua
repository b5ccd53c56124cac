-- Elastic (ECK) Beat. ECK sums up the Beat's pods in status.health: green when all expected
-- pods are available, yellow while some are missing (a rollout), red when none is available.
-- availableNodes/expectedNodes count the pods.
local h = require("herald")
local s = h.status(obj)
local health = h.text(s.health)

if health == nil or h.generation_lags(obj) then
  return h.progressing("Elastic Beat phase is progressing")
elseif health == "green" then
  return h.healthy("Elastic Beat status is green")
elseif health == "red" then
  return h.degraded("Elastic Beat status is red")
elseif health == "yellow" and type(s.availableNodes) == "number" and type(s.expectedNodes) == "number" then
  return h.progressing(string.format("Elastic Beat status is deploying, there is %d instance(s) on %d expected",
    s.availableNodes, s.expectedNodes))
end
return h.progressing("Elastic Beat phase is progressing")
