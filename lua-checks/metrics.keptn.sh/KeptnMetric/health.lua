-- Keptn KeptnMetric: a query the metrics operator runs against a provider at an interval.
-- A non-empty status.errMsg means the last fetch failed (Degraded); a fetched status.value is
-- Healthy; before the first fetch the metric is Progressing.
local h = require("herald")
local s = h.status(obj)

if h.text(s.errMsg) then
  return h.degraded("KeptnMetric is degraded")
end
if h.text(s.value) or type(s.value) == "number" then
  return h.healthy("KeptnMetric is healthy")
end
return h.progressing("KeptnMetric is progressing")
