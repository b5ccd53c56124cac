-- Keptn Analysis: one evaluation of an AnalysisDefinition's objectives over a timeframe.
-- status.state is Pending/Progressing until it reaches Completed; a completed analysis either
-- passed (Healthy), only reached the warning threshold (Healthy with warnings) or failed (Degraded).
local h = require("herald")
local s = h.status(obj)

if s.state ~= "Completed" then
  return h.progressing("Analysis is progressing")
end
if s.pass == true then
  return h.healthy("Analysis is healthy")
end
if s.warning == true then
  return h.healthy("Analysis is healthy with warnings")
end
return h.degraded("Analysis is degraded")
