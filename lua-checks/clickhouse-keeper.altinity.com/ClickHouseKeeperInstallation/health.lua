-- Altinity ClickHouseKeeper installation. The operator reports the reconcile of the whole installation
-- in status.status: InProgress while it creates/updates pods, Completed when done, Aborted
-- when a reconcile was stopped, Terminating while the installation is deleted.
local h = require("herald")
local state = h.text(h.status(obj).status)

if state == nil then
  return h.progressing("ClickHouseKeeper status not yet available")
elseif state == "Completed" then
  return h.healthy("ClickHouseKeeper installation completed successfully")
elseif state == "Aborted" then
  return h.degraded("ClickHouseKeeper installation aborted")
elseif state == "InProgress" then
  return h.progressing("ClickHouseKeeper installation in progress")
end
return h.progressing("ClickHouseKeeper installation is " .. state)
