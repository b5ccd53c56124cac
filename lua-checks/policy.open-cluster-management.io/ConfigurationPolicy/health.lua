-- Open Cluster Management ConfigurationPolicy: checks (and optionally enforces) objects on the
-- cluster. status.compliant is Compliant (Healthy) or NonCompliant (Degraded); an evaluation of
-- an older generation (lastEvaluatedGeneration behind) is Progressing. The message joins each
-- object template's "<type> - <message>" conditions from status.compliancyDetails.
local h = require("herald")
local s = h.status(obj)
local compliant = h.text(s.compliant)
local generation = obj.metadata and obj.metadata.generation

if compliant == nil then
  return h.progressing("Waiting for the status to be reported")
end
if type(generation) == "number" and type(s.lastEvaluatedGeneration) == "number"
    and s.lastEvaluatedGeneration < generation then
  return h.progressing("Waiting for the status to be updated")
end
local parts = {}
for _, detail in ipairs(type(s.compliancyDetails) == "table" and s.compliancyDetails or {}) do
  for _, c in ipairs(h.conditions({ status = detail })) do
    if type(c) == "table" and h.text(c.message) then
      table.insert(parts, (h.text(c.type) or "status") .. " - " .. c.message)
    end
  end
end
local message = table.concat(parts, "; ")
if compliant == "Compliant" then
  return h.healthy(message ~= "" and message or "Compliant")
elseif compliant == "NonCompliant" then
  return h.degraded(message ~= "" and message or "NonCompliant")
end
return h.progressing(message ~= "" and message or compliant)
