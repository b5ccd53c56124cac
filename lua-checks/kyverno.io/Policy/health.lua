-- Kyverno (Cluster)Policy. Kyverno validates a policy when it is admitted (an invalid policy is
-- rejected, never stored), then its webhook controller sets the Ready condition: True
-- ("Ready") once the admission webhooks are configured for the policy's rules, False (reason
-- Failed, "Not ready yet") until they are. Older releases set status.ready instead.
-- Ready True is Healthy; False or no verdict yet is Progressing (waiting for the webhooks).
local h = require("herald")
local kind = h.text(obj.kind) or "Policy"
local ready = h.condition(obj, "Ready")

if ready == nil and type(h.status(obj).ready) == "boolean" then
  ready = { status = h.status(obj).ready and "True" or "False" }
end
if h.is(ready, "True") then
  return h.healthy(kind .. " is ready")
end
if h.is(ready, "False") then
  return h.progressing(h.explain(ready, "Waiting for " .. kind .. " to be ready"))
end
return h.progressing("Waiting for " .. kind .. " to be ready")
