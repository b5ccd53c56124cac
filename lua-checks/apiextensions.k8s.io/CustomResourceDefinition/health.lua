-- CustomResourceDefinition. The API server serves a CRD once it is Established; before that
-- its names must be accepted (NamesAccepted). A NonStructuralSchema condition reports schema
-- violations, and Terminating means the CRD is being deleted.
local h = require("herald")
local c = h.by_type(obj)

if #h.conditions(obj) == 0 then
  return h.progressing("Status conditions not found")
elseif h.is(c.Terminating, "True") then
  return h.progressing("CRD is terminating: " .. h.explain(c.Terminating, "deletion in progress"))
elseif h.is(c.NamesAccepted, "False") then
  return h.degraded("CRD names have not been accepted: " .. h.explain(c.NamesAccepted, "name conflict"))
elseif h.is(c.NonStructuralSchema, "True") then
  return h.degraded("Schema violations found: " .. h.explain(c.NonStructuralSchema, "non-structural schema"))
elseif h.is(c.Established, "True") then
  return h.healthy("CRD is established")
end
return h.progressing("CRD is being installed")
