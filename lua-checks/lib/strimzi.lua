-- Strimzi (kafka.strimzi.io): every custom resource the Strimzi operators reconcile reports
-- Ready, NotReady and ReconciliationPaused conditions the same way.
-- `require("strimzi").health(obj, waiting)`.
local h = require("herald")

local M = {}

-- ReconciliationPaused=True is suspended; NotReady=True or Ready=False is degraded with the
-- condition's message; Ready=True is healthy; otherwise progressing with `waiting`.
function M.health(o, waiting)
  local c = h.by_type(o)
  if h.is(c.ReconciliationPaused, "True") then
    return h.suspended(h.explain(c.ReconciliationPaused, "Reconciliation paused"))
  end
  if h.is(c.NotReady, "True") then
    return h.degraded(h.explain(c.NotReady, "Not ready"))
  end
  if h.is(c.Ready, "False") then
    return h.degraded(h.explain(c.Ready, "Not ready"))
  end
  if h.is(c.Ready, "True") then
    return h.healthy("")
  end
  return h.progressing(waiting)
end

return M
