-- Istio IstioOperator. status.status is the overall install state and
-- status.componentStatus.<component>.status each component's: HEALTHY, RECONCILING, UPDATING,
-- ERROR, ACTION_PENDING, NONE. ERROR is degraded (naming the failing components), HEALTHY is
-- healthy, the rest are still being worked on.
local h = require("herald")
local s = h.status(obj)
local overall = h.text(s.status)
if overall == "HEALTHY" then
  return h.healthy("Component is healthy.")
elseif overall == "ERROR" then
  local failed = {}
  if type(s.componentStatus) == "table" then
    for name, comp in pairs(s.componentStatus) do
      if type(comp) == "table" and comp.status == "ERROR" then
        failed[#failed + 1] = tostring(name) .. (h.text(comp.error) and (": " .. comp.error) or "")
      end
    end
  end
  table.sort(failed)
  if #failed > 0 then
    return h.degraded("Component is in an error state: " .. table.concat(failed, "; "))
  end
  return h.degraded("Component is in an error state.")
elseif overall == "UPDATING" then
  return h.progressing("Component is being updated to a different version.")
elseif overall == "RECONCILING" then
  return h.progressing("Controller has started but not yet completed reconciliation loop for the component.")
elseif overall == "ACTION_PENDING" then
  return h.progressing("Some components have an action pending.")
end
return h.progressing("Waiting for the Istio operator to reconcile")
