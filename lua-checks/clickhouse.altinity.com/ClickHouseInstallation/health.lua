-- Altinity ClickHouse installation. The operator reports the reconcile of the whole installation
-- in status.status: InProgress while it creates/updates pods, Completed when done, Aborted
-- when a reconcile was stopped, Terminating while the installation is deleted.
local h = require("herald")
local state = h.text(h.status(obj).status)

if state == nil then
  return h.progressing("ClickHouse status not yet available")
elseif state == "Completed" then
  return h.healthy("ClickHouse installation completed successfully")
elseif state == "Aborted" then
  return h.degraded("ClickHouse installation aborted")
elseif state == "InProgress" then
  return h.progressing("ClickHouse installation in progress")
end
return h.progressing("ClickHouse installation is " .. state)
