-- Kyverno (Cluster)Policy. Kyverno sets a Ready condition once the policy's rules are compiled
-- and its webhooks are configured; older releases set status.ready instead.
-- Ready True is Healthy, False is Degraded, and no verdict yet is Progressing.
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
  return h.degraded(h.explain(ready, kind .. " is not ready"))
end
return h.progressing("Waiting for " .. kind .. " to be ready")
