-- mariadb-operator MariaDB. The operator keeps a Ready condition that turns True once the
-- StatefulSet is ready (and any bootstrap restore completed). Ready False is normally a phase of
-- provisioning; only a reason naming a failure or error counts as Degraded.
local h = require("herald")
local ready = h.condition(obj, "Ready")

if ready == nil then
  return h.progressing("No status info available")
end
if h.is(ready, "True") then
  return h.healthy(h.explain(ready, "Running"))
end
local reason = h.text(ready.reason) or ""
if string.find(reason, "Fail") or string.find(reason, "Error") then
  return h.degraded(h.explain(ready, "Not ready"))
end
return h.progressing(h.explain(ready, "Not ready"))
