-- Contour HTTPProxy: the Valid condition says whether Contour accepted the proxy.
-- Not yet observed -> Progressing (status.description if Contour said something); Valid=True ->
-- Healthy; Valid=False -> Degraded, except a proxy that includes others and whose only errors are
-- about its inclusions: those cannot be judged from the parent alone, so it counts as Healthy.
local h = require("herald")
local s = h.status(obj)
local valid = h.condition(obj, "Valid")
local gen = type(obj.metadata) == "table" and obj.metadata.generation
if valid == nil then
  if s.currentStatus == "NotReconciled" and h.text(s.description) then
    return h.progressing(s.description)
  end
  return h.progressing("Waiting for status")
end
if type(gen) == "number" and type(valid.observedGeneration) == "number" and valid.observedGeneration < gen then
  return h.progressing("Waiting for status")
end
if valid.status == "True" then
  return h.healthy(h.explain(valid, ""))
end
if valid.status == "False" then
  local includes = type(obj.spec) == "table" and obj.spec.includes
  local errs = type(valid.errors) == "table" and valid.errors or {}
  if type(includes) == "table" and #includes > 0 and #errs > 0 then
    local only_includes = true
    for _, e in ipairs(errs) do
      if type(e) ~= "table" or type(e.type) ~= "string" or not e.type:find("^Include") then
        only_includes = false
      end
    end
    if only_includes then
      return h.healthy("HTTPProxy inclusions cannot be health checked")
    end
  end
  return h.degraded(h.explain(valid, "HTTPProxy is invalid"))
end
return h.progressing(h.explain(valid, "Waiting for status"))
