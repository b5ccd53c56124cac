-- CustomResourceDefinition. The API server serves a CRD once it is Established. Its
-- apiextensions controller reports: NamesAccepted (False: a name conflicts with another CRD),
-- NonStructuralSchema (True: the schema breaks the structural rules; still served, so a warning
-- (Degraded with health warning)), Established (False with
-- reason Installing while it sets the CRD up; False with any other reason, e.g. NotAccepted,
-- when it cannot), and Terminating (True while its instances are being deleted).
local h = require("herald")
local c = h.by_type(obj)

if h.deleting(obj) then
  -- herald's assessor says Terminating for any object being deleted; the script says so too
  -- when it is judged alone (`herald lua test`).
  return h.progressing("CRD is terminating")
elseif #h.conditions(obj) == 0 then
  return h.progressing("Status conditions not found")
elseif h.is(c.Terminating, "True") then
  return h.progressing("CRD is terminating: " .. h.explain(c.Terminating, "deletion in progress"))
elseif h.is(c.NamesAccepted, "False") then
  return h.degraded("CRD names have not been accepted: " .. h.explain(c.NamesAccepted, "name conflict"))
elseif h.is(c.Established, "True") then
  if h.is(c.NonStructuralSchema, "True") then
    -- A legacy (v1beta1) CRD whose schema is not structural is still served, without pruning,
    -- defaulting or server-side apply: it works, but not as intended.
    return { health = "warning", ready = true, status = "NonStructuralSchema",
      message = "Schema violations found: " .. h.explain(c.NonStructuralSchema, "non-structural schema") }
  end
  return h.healthy("CRD is established")
elseif c.Established == nil or c.Established.reason == "Installing" then
  -- Not reported yet, or being set up: wait.
  return h.progressing("CRD is being installed")
end
-- Established is False (or Unknown) for a reason other than installing: it will not be served.
return h.degraded("CRD is not established: " .. h.explain(c.Established, "not established"))
