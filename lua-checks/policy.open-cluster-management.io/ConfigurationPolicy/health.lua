-- Open Cluster Management ConfigurationPolicy: checks (and optionally enforces) objects on the
-- cluster. status.compliant is Compliant (Healthy) or NonCompliant (Degraded); an evaluation of
-- an older generation (lastEvaluatedGeneration behind) is Progressing. The message joins each
-- object template's "<type> - <message>" conditions from status.compliancyDetails.
local h = require("herald")

-- Each object template's conditions as "<type> - <message>", joined; else the compliance.
local function details(compliant)
  local parts = {}
  for _, detail in ipairs(h.list(h.status(obj).compliancyDetails)) do
    for _, c in ipairs(h.list(h.field(detail, "conditions"))) do
      if type(c) == "table" and h.text(c.message) then
        table.insert(parts, (h.text(c.type) or "status") .. " - " .. c.message)
      end
    end
  end
  return #parts > 0 and table.concat(parts, "; ") or compliant
end

local lagging = h.field_lags(obj, "lastEvaluatedGeneration")
return require("open_cluster_management").compliance(obj, lagging, details)
