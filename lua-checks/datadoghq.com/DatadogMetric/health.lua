-- Datadog DatadogMetric (external metric for HPAs). The Cluster Agent sets Valid (the query can
-- be served) and Error (the last fetch from Datadog failed, reason and message saying why).
-- The agent queries Datadog only for Active metrics (referenced by an HPA, or forced active), and
-- until its first query it writes Valid=False with Error=False.
--   no conditions yet                                        -> Progressing
--   Error=True (the last fetch failed)                       -> Degraded, with reason and message
--   Valid=False on an active metric                          -> Degraded (the query cannot be served)
--   Valid=False on an inactive metric (no HPA uses it yet,
--     so it has never been queried)                          -> Progressing
--   Valid Unknown or missing                                 -> Progressing
--   Valid=True                                               -> Healthy
local h = require("herald")
if #h.conditions(obj) == 0 then
  return h.progressing("Waiting for the Datadog Cluster Agent to process the metric")
end
local c = h.by_type(obj)
if h.is(c.Error, "True") then
  local reason, message = h.text(c.Error.reason), h.text(c.Error.message)
  return h.degraded(reason and message and (reason .. ": " .. message) or reason or message or "DatadogMetric is in error")
elseif h.is(c.Valid, "False") and h.is(c.Active, "False") then
  return h.progressing("DatadogMetric is not active (no HPA references it yet), so the Cluster Agent has not queried it")
elseif h.is(c.Valid, "False") then
  return h.degraded(h.explain(c.Valid, "The metric query is invalid"))
elseif not h.is(c.Valid, "True") then
  return h.progressing("Waiting for the DatadogMetric to be validated")
end
return h.healthy("DatadogMetric is healthy")
