-- mariadb-operator MariaDB. The Ready condition sums up the server: True when it is running,
-- False while it is provisioning, restoring a backup or updating (reason says which), or when a
-- step failed. A suspended reconcile is reported as suspended.
local h = require("herald")
local c = h.condition(obj, "Ready")
if c == nil then
  return h.progressing("No status info available")
end
local reason = h.text(c.reason) or ""
if c.status == "True" then
  return h.healthy(h.explain(c, "Running"))
elseif reason == "Suspended" then
  return h.suspended(h.explain(c, "Suspended"))
elseif reason:find("Fail") or reason:find("Error") then
  return h.degraded(h.explain(c, "Failed"))
end
return h.progressing(h.explain(c, "Not ready"))
