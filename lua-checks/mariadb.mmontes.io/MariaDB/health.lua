-- mariadb-operator MariaDB. The operator keeps a Ready condition that turns True once the
-- StatefulSet is ready (and any bootstrap restore completed). Ready False is normally a phase of
-- provisioning; only a reason naming a failure or error counts as Degraded.
-- Bootstrapped=False means the initial bootstrap (restoring the backup given in bootstrapFrom)
-- has not completed: the data is not all there yet, so it is Progressing even if Ready says
-- True. Order: a failure, then suspension, then an unfinished bootstrap, then Ready.
local h = require("herald")
local ready = h.condition(obj, "Ready")
if ready == nil then
  return h.progressing("No status info available")
end
local reason = h.text(ready.reason) or ""
if ready.status ~= "True" and (reason:find("Fail") or reason:find("Error")) then
  return h.degraded(h.explain(ready, "Failed"))
elseif ready.status ~= "True" and reason == "Suspended" then
  return h.suspended(h.explain(ready, "Suspended"))
end
local boot = h.condition(obj, "Bootstrapped")
if h.is(boot, "False") and ready.status == "True" then
  return h.progressing(h.explain(boot, "Bootstrapping"))
elseif ready.status == "True" then
  return h.healthy(h.explain(ready, "Running"))
end
return h.progressing(h.explain(ready, "Not ready"))
