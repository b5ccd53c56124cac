-- Cluster API Provider AWS managed control plane (EKS). Ready=True once EKS and its add-ons,
-- IAM and networking are reconciled; EKSControlPlaneCreating/Updating flag work under way;
-- a failureMessage or an Error-severity False condition is a failure needing attention.
local h = require("herald")
local s = h.status(obj)
local c = h.by_type(obj)

if h.generation_lags(obj) then
  return h.progressing("Waiting for the control plane spec to be reconciled")
end
if h.text(s.failureMessage) then
  return h.degraded(s.failureMessage)
end
if h.is(c.Ready, "False") and c.Ready.severity == "Error" then
  local parts = { h.text(c.Ready.message) }
  for _, cond in ipairs(h.conditions(obj)) do
    if type(cond) == "table" and cond ~= c.Ready and cond.status == "False"
        and cond.severity == "Error" and h.text(cond.message) then
      parts[#parts + 1] = cond.message
    end
  end
  return h.degraded(#parts > 0 and table.concat(parts, " ") or "Control plane reconciliation failed")
end
if h.is(c.EKSControlPlaneUpdating, "True") then
  return h.progressing("EKS control plane is updating")
end
if h.is(c.EKSControlPlaneCreating, "True") then
  return h.progressing("EKS control plane is being created")
end
if h.is(c.Ready, "True") then
  return h.healthy("Control plane is ready")
end
return h.progressing("Waiting for the control plane to become ready")
