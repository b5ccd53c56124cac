-- Coralogix operator (coralogix.com): its resources are pushed to the Coralogix API and the
-- outcome is kept in a RemoteSynced condition. `require("coralogix").remote_synced(obj)`.
local h = require("herald")

local M = {}

-- RemoteSynced=False is degraded with the API error (reasons RemoteCreationFailed,
-- RemoteUpdateFailed, RemoteDeletionFailed, RemoteResourceNotFound, InternalK8sError), even for
-- an older generation (failure first); a True one written for an older generation than the
-- object's (the operator stamps observedGeneration on it) is progressing: the latest spec has
-- not been pushed yet; True is healthy; anything else progressing. Without the condition the
-- operator has not reconciled the object yet.
function M.remote_synced(o)
  local c = h.condition(o, "RemoteSynced")
  if c == nil then
    return h.progressing("Waiting for status to be updated")
  end
  if c.status == "True" and h.condition_lags(o, c) then
    return h.progressing("Waiting for the latest spec to be synced to Coralogix")
  elseif c.status == "True" then
    return h.healthy("Resource is ready")
  elseif c.status == "False" then
    return h.degraded(h.explain(c, "Remote sync failed"))
  end
  return h.progressing(h.explain(c, "Waiting for status to be updated"))
end

return M
