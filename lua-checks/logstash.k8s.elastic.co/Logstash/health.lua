-- Elastic Cloud on Kubernetes (ECK) Logstash. ECK rolls the Logstash pods up into status.health:
-- green (all pods available), yellow (some unavailable), red (none available) or unknown.
local h = require("herald")
local health = h.text(h.status(obj).health)

if health == nil then
  return h.progressing("Waiting for Logstash health to be reported")
end
local shown = string.upper(string.sub(health, 1, 1)) .. string.sub(health, 2)
return h.lookup(health, { green = "Healthy", red = "Degraded", yellow = "Progressing" },
  "Logstash status is " .. shown, "Unknown")
