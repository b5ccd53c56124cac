-- Elastic Cloud on Kubernetes (ECK) Logstash. ECK rolls the Logstash pods up into status.health:
-- green (all pods available), yellow (some unavailable), red (none available) or unknown.
local h = require("herald")
local health = h.text(h.status(obj).health)

if health == nil then
  return h.progressing("Waiting for Logstash health to be reported")
end
local shown = string.upper(string.sub(health, 1, 1)) .. string.sub(health, 2)
local message = "Logstash status is " .. shown
if health == "green" then
  return h.healthy(message)
elseif health == "red" then
  return h.degraded(message)
elseif health == "yellow" then
  return h.progressing(message)
end
return h.unknown(message)
