-- Open Cluster Management OperatorPolicy: checks (and optionally installs) an OLM operator.
-- status.compliant is Compliant (Healthy) or NonCompliant (Degraded), explained by the
-- Compliant condition's message; a status older than the spec (observedGeneration behind) or
-- no status yet is Progressing.
local h = require("herald")
local function explain(compliant)
  return h.explain(h.condition(obj, "Compliant"), compliant)
end
return require("open_cluster_management").compliance(obj, h.generation_lags(obj), explain)
