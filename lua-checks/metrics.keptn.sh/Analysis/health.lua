-- Keptn Analysis: one evaluation of an AnalysisDefinition's objectives over a timeframe.
-- status.state (Pending, Progressing, Completed) says whether a verdict exists: until Completed
-- the analysis is Progressing whatever pass says (values are still being fetched). Keptn writes
-- pass and warning with omitempty, so a Completed analysis passed (pass, Healthy), only reached
-- the warning threshold (warning, Healthy with warnings) or, with neither, failed (Degraded).
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
