-- Elastic Cloud on Kubernetes (ECK) Logstash. ECK rolls the Logstash pods up into status.health:
-- green (all pods available), yellow (some unavailable), red (none available) or unknown.
--   red                                                  -> Degraded, first
--   eck.k8s.elastic.co/pause-orchestration "true", or the older
--   eck.k8s.elastic.co/managed "false"                   -> Suspended
--   spec not observed yet (observedGeneration behind)    -> Progressing
--   green -> Healthy; yellow -> Progressing; no health yet -> Progressing; any other word -> Unknown
local h = require("herald")
local eck = require("eck")
local health = h.text(h.status(obj).health)

if health ~= "red" then
  local paused = eck.paused(obj)
  if paused then
    return h.suspended(paused)
  end
  if h.generation_lags(obj) then
    return h.progressing("Waiting for ECK to reconcile the latest Logstash spec")
  end
end
if health == nil then
  return h.progressing("Waiting for Logstash health to be reported")
end
local shown = string.upper(string.sub(health, 1, 1)) .. string.sub(health, 2)
return h.lookup(health, { green = "Healthy", red = "Degraded", yellow = "Progressing" },
  "Logstash status is " .. shown, "Unknown")
