-- Humio operator (core.humio.com): the resources it mirrors into a Humio cluster (actions,
-- alerts, ingest tokens, parsers, repositories, views) report status.state.
-- `require("humio").state(obj)`.
local h = require("herald")

local M = {}

local BY_STATE = { Exists = "Healthy", NotFound = "Missing", ConfigError = "Degraded", Unknown = "Unknown" }

-- Exists is healthy, NotFound missing, ConfigError degraded, Unknown unknown; any other state
-- is progressing, and no state yet means the operator has not reconciled the object.
function M.state(o)
  local state = h.text(h.status(o).state)
  if state == nil then
    return h.progressing("Update in progress")
  end
  return h.lookup(state, BY_STATE, "Component state: " .. state .. ".")
end

return M
