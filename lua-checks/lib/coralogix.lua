-- Coralogix operator (coralogix.com): its resources are pushed to the Coralogix API and the
-- outcome is kept in a RemoteSynced condition. `require("coralogix").remote_synced(obj)`.
local h = require("herald")

local M = {}

-- RemoteSynced=True is healthy, False degraded with the API error, anything else progressing;
-- without the condition the operator has not reconciled the object yet.
function M.remote_synced(o)
  local c = h.condition(o, "RemoteSynced")
  if c == nil then
    return h.progressing("Waiting for status to be updated")
  end
  if c.status == "True" then
    return h.healthy("Resource is ready")
  elseif c.status == "False" then
    return h.degraded(h.explain(c, "Remote sync failed"))
  end
  return h.progressing(h.explain(c, "Waiting for status to be updated"))
end

return M
