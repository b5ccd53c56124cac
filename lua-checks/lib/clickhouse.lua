-- Altinity ClickHouse operator (clickhouse.altinity.com, clickhouse-keeper.altinity.com):
-- installations report the reconcile of the whole installation in status.status.
-- `require("clickhouse").installation(obj, "ClickHouse")`.
local h = require("herald")

local M = {}

-- Completed is healthy; Aborted and Failed (the reconcile gave up) degraded; InProgress,
-- Terminating and anything else progressing. `product` starts every message ("ClickHouse",
-- "ClickHouseKeeper").
function M.installation(o, product)
  local state = h.text(h.status(o).status)
  if state == nil then
    return h.progressing(product .. " status not yet available")
  elseif state == "Completed" then
    return h.healthy(product .. " installation completed successfully")
  elseif state == "Aborted" then
    return h.degraded(product .. " installation aborted")
  elseif state == "Failed" then
    return h.degraded(product .. " installation failed")
  elseif state == "InProgress" then
    return h.progressing(product .. " installation in progress")
  end
  return h.progressing(product .. " installation is " .. state)
end

return M
