-- Altinity ClickHouse operator (clickhouse.altinity.com, clickhouse-keeper.altinity.com):
-- installations report the reconcile of the whole installation in status.status.
-- `require("clickhouse").installation(obj, "ClickHouse")`.
local h = require("herald")

local M = {}

-- The operator's boolean strings ("yes", "true", "1", "on", "enabled"...), true when set.
local TRUE = { ["1"] = true, ["true"] = true, yes = true, on = true, enable = true, enabled = true }
local function flag(v)
  return v == true or (type(v) == "string" and TRUE[string.lower(v)] == true)
end

-- Aborted and Failed (the reconcile gave up) are degraded, also when stopped or suspended
-- (failure first); then spec.stop (the operator scales every StatefulSet to 0 and keeps the
-- PVCs: Progressing while that reconcile is InProgress) and spec.suspend (the operator stops
-- reconciling) are suspended; Completed is healthy;
-- InProgress, Terminating and anything else progressing. `product` starts every message
-- ("ClickHouse", "ClickHouseKeeper").
function M.installation(o, product)
  local state = h.text(h.status(o).status)
  local spec = h.spec(o)
  if state ~= "Aborted" and state ~= "Failed" then
    if flag(spec.stop) and state == "InProgress" then
      return h.progressing(product .. " installation is being stopped (spec.stop)")
    elseif flag(spec.stop) then
      return h.suspended(product .. " installation is stopped (spec.stop)")
    elseif flag(spec.suspend) then
      return h.suspended(product .. " reconciliation is suspended (spec.suspend)")
    end
  end
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
