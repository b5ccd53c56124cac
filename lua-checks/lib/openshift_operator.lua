-- OpenShift operators (ocs.openshift.io, operator.openshift.io): like ClusterOperators they
-- report Degraded, Progressing and Available conditions.
-- `require("openshift_operator").degraded_or_progressing(obj, kind)`, `.available(obj, kind)`.
local h = require("herald")

local M = {}

-- Degraded True is Degraded, else Progressing True is Progressing, each with the condition's
-- message (or "<kind> is degraded" / "<kind> is progressing"); nil when neither holds.
function M.degraded_or_progressing(o, kind)
  local c = h.by_type(o)
  if h.is(c.Degraded, "True") then
    return h.degraded(h.explain(c.Degraded, kind .. " is degraded"))
  end
  if h.is(c.Progressing, "True") then
    return h.progressing(h.explain(c.Progressing, kind .. " is progressing"))
  end
  return nil
end

-- Available True is Healthy with its message (or "<kind> is available"); nil otherwise.
function M.available(o, kind)
  local available = h.condition(o, "Available")
  if h.is(available, "True") then
    return h.healthy(h.explain(available, kind .. " is available"))
  end
  return nil
end

return M
