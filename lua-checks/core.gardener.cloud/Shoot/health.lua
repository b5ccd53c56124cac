-- Gardener Shoot. Gardener sums up a shoot's health in the label shoot.gardener.cloud/status
-- (healthy, progressing, unhealthy, unknown), which its care controller computes from the
-- conditions and the last operation (ComputeStatus: the worst of the conditions, unhealthy while
-- a create or delete has errors or when the last operation did not succeed).
--   label unhealthy                                               -> Degraded
--   hibernated on purpose (spec.hibernation.enabled and
--     status.hibernated both true: control plane and workers scaled down) -> Suspended
--   label healthy / progressing / unknown                         -> Healthy / Progressing / Unknown
-- Without the label (older Gardener), the same facts decide:
--   lastOperation Failed, Error or Aborted, or lastErrors while it is
--     processing, creating or deleting                             -> Degraded
--   a condition False                                              -> Degraded
--   lastOperation Processing or Pending, a condition Progressing or
--     Unknown, no conditions yet                                   -> Progressing
--   everything True after a successful operation                   -> Healthy
local h = require("herald")
local s = h.status(obj)
local label = h.label(obj, "shoot.gardener.cloud/status")

local function first_error()
  local e = h.list(s.lastErrors)[1]
  return h.text(h.field(e, "description"))
end

if label == "unhealthy" then
  return h.degraded(first_error() or "Component state: Unhealthy")
end
if s.hibernated == true and h.get(obj, "spec", "hibernation", "enabled") == true then
  return h.suspended("Shoot cluster is hibernated")
end
local by_label = {
  healthy = h.healthy("Component state: Healthy"),
  progressing = h.progressing("Component state: Update in progress"),
  unknown = h.unknown("Component state: Unknown"),
}
if by_label[label] then
  return by_label[label]
end

local op = type(s.lastOperation) == "table" and s.lastOperation or nil
local state = h.text(h.field(op, "state"))
local op_message = h.text(h.field(op, "description"))
local has_errors = #h.list(s.lastErrors) > 0
if state == "Failed" or state == "Error" or state == "Aborted" then
  return h.degraded(first_error() or op_message or ("Last operation: " .. state))
end
if has_errors and (state == "Processing" or h.field(op, "type") == "Create" or h.field(op, "type") == "Delete") then
  return h.degraded(first_error() or "Component state: Unhealthy")
end
local conds = h.conditions(obj)
if #conds == 0 then
  return h.progressing(op_message or "Component state: Waiting for status")
end
local failed = h.first_with(obj, "False")
if failed then
  return h.degraded(h.explain(failed, "Component state: Unhealthy"))
end
for _, c in ipairs(conds) do
  if type(c) == "table" and c.status ~= "True" then
    return h.progressing(h.explain(c, "Component state: Update in progress"))
  end
end
if state == "Processing" or state == "Pending" then
  return h.progressing(op_message or "Component state: Update in progress")
end
return h.healthy("Component state: Healthy")
