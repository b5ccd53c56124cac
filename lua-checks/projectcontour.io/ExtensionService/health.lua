-- Contour ExtensionService: the Valid condition says whether Contour accepted the service.
-- Not yet observed (no status, or observedGeneration behind) -> Progressing; Valid=True ->
-- Healthy; Valid=False -> Degraded with the condition's summary.
local h = require("herald")
local valid = h.condition(obj, "Valid")
local gen = type(obj.metadata) == "table" and obj.metadata.generation
if valid == nil or (type(gen) == "number" and type(valid.observedGeneration) == "number" and valid.observedGeneration < gen) then
  return h.progressing("Waiting for status")
end
if valid.status == "True" then
  return h.healthy(h.explain(valid, ""))
end
if valid.status == "False" then
  return h.degraded(h.explain(valid, "ExtensionService is invalid"))
end
return h.progressing(h.explain(valid, "Waiting for status"))
