-- SAP BTP service operator (services.cloud.sap.com): ServiceInstance and ServiceBinding report
-- Ready, Succeeded and Failed conditions, each stamped with the generation it describes.
-- `require("sap_btp").health(obj, noun)`.
local h = require("herald")

local M = {}

-- Deletion and no conditions yet are Progressing. The operator records its last operation in
-- Succeeded: False with reason <Op>InProgress while it runs, False with reason <Op>Failed (plus
-- Failed=True) when it failed, True when done; Ready mirrors whether the service itself is
-- usable. So, in the order read: Failed=True or a Succeeded=False whose reason says Failed is
-- Degraded (even when written for an older generation: the failure's message is what to act
-- on); any condition written for an older generation is Progressing; any other Succeeded=False
-- is an operation in flight (Progressing, even on a usable resource: the spec is not applied
-- yet); Ready=True is Healthy; otherwise Progressing.
function M.health(o, noun)
  if h.deleting(o) then
    return h.progressing("Resource is being deleted")
  end
  if #h.conditions(o) == 0 then
    return h.progressing("Waiting for status")
  end
  local c = h.by_type(o)
  if h.is(c.Failed, "True") then
    return h.degraded(h.explain(c.Failed, noun .. " failed"))
  end
  local last = c.Succeeded
  local last_reason = h.text(h.field(last, "reason")) or ""
  if h.is(last, "False") and last_reason:lower():find("failed", 1, true) then
    return h.degraded(h.explain(last, noun .. " failed"))
  end
  for _, cond in pairs(c) do
    if h.condition_lags(o, cond) then
      return h.progressing("Waiting for spec update to be observed")
    end
  end
  if h.is(last, "False") then
    return h.progressing(h.explain(last, noun .. " operation in progress"))
  end
  if h.is(c.Ready, "True") then
    return h.healthy("Ready to use")
  end
  return h.progressing(h.explain(last, "Waiting for " .. noun .. " to be ready"))
end

return M
