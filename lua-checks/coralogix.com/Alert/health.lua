-- Coralogix operator Alert. The RemoteSynced condition tells whether the alert was pushed to the
-- Coralogix API: True is healthy, False carries the API error, no status yet means the operator
-- has not reconciled the object.
local h = require("herald")
local c = h.condition(obj, "RemoteSynced")
if c == nil then
  return h.progressing("Waiting for status to be updated")
end
if c.status == "True" then
  return h.healthy("Resource is ready")
elseif c.status == "False" then
  return h.degraded(h.explain(c, "Remote sync failed"))
end
return h.progressing(h.explain(c, "Waiting for status to be updated"))
