-- Open Cluster Management OperatorPolicy: checks (and optionally installs) an OLM operator.
-- status.compliant is Compliant (Healthy) or NonCompliant (Degraded), explained by the
-- Compliant condition's message; a status older than the spec (observedGeneration behind) or
-- no status yet is Progressing.
local h = require("herald")
local s = h.status(obj)
local compliant = h.text(s.compliant)

if compliant == nil then
  return h.progressing("Waiting for the status to be reported")
end
if h.generation_lags(obj) then
  return h.progressing("Waiting for the status to be updated")
end
local message = h.explain(h.condition(obj, "Compliant"), compliant)
if compliant == "Compliant" then
  return h.healthy(message)
elseif compliant == "NonCompliant" then
  return h.degraded(message)
end
return h.progressing(message)
