-- SAP BTP service operator (services.cloud.sap.com): ServiceInstance and ServiceBinding report
-- Ready, Succeeded and Failed conditions, each stamped with the generation it describes.
-- `require("sap_btp").health(obj, noun)`.
local h = require("herald")

local M = {}

-- Deletion, no conditions yet and any condition written for an older generation are
-- Progressing; Failed=True is Degraded; Ready=True is Healthy; otherwise the Succeeded
-- condition tells the operation still in flight (Progressing).
function M.health(o, noun)
  if h.deleting(o) then
    return h.progressing("Resource is being deleted")
  end
  if #h.conditions(o) == 0 then
    return h.progressing("Waiting for status")
  end
  local c = h.by_type(o)
  for _, cond in pairs(c) do
    if h.condition_lags(o, cond) then
      return h.progressing("Waiting for spec update to be observed")
    end
  end
  if h.is(c.Failed, "True") then
    return h.degraded(h.explain(c.Failed, noun .. " failed"))
  end
  if h.is(c.Ready, "True") then
    return h.healthy("Ready to use")
  end
  return h.progressing(h.explain(c.Succeeded, "Waiting for " .. noun .. " to be ready"))
end

return M
