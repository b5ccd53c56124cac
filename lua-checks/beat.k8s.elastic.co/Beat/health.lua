-- Elastic (ECK) Beat. ECK sums up the Beat's pods in status.health, one of three words:
--   green  (every expected pod ready, associations established) -> Healthy
--   yellow (some pods ready: a rollout or pods still starting)  -> Progressing
--   red    (no pod ready, or an association not established)    -> Degraded
--   no health yet, or the spec not observed yet                 -> Progressing
--   any other word (not one ECK writes)                         -> Unknown
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
elseif health == "yellow" then
  return h.progressing("Elastic Beat phase is progressing")
end
return h.unknown("Elastic Beat reports health \"" .. health .. "\", which is not one of ECK's green, yellow, red")
