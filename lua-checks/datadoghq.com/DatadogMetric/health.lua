-- Datadog DatadogMetric (external metric for HPAs). The Cluster Agent sets Valid (the query can
-- be served) and Error (the last fetch from Datadog failed, reason and message saying why).
-- An error or an invalid query is degraded; a valid query without error is healthy.
local h = require("herald")
if #h.conditions(obj) == 0 then
  return h.progressing("Waiting for the Datadog Cluster Agent to process the metric")
end
local c = h.by_type(obj)
if h.is(c.Error, "True") then
  local reason, message = h.text(c.Error.reason), h.text(c.Error.message)
  return h.degraded(reason and message and (reason .. ": " .. message) or reason or message or "DatadogMetric is in error")
elseif h.is(c.Valid, "False") then
  return h.degraded(h.explain(c.Valid, "The metric query is invalid"))
elseif not h.is(c.Valid, "True") then
  return h.progressing("Waiting for the DatadogMetric to be validated")
end
return h.healthy("DatadogMetric is healthy")
