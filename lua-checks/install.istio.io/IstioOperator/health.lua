-- Istio IstioOperator. status.status is the overall install state and
-- status.componentStatus.<component>.status each component's: HEALTHY, RECONCILING, UPDATING,
-- ERROR, ACTION_PENDING, NONE. ERROR is degraded (naming the failing components), HEALTHY is
-- healthy, the rest are still being worked on.
local h = require("herald")
local s = h.status(obj)
local overall = h.text(s.status)
local by_state = {
  HEALTHY = h.healthy("Component is healthy."),
  UPDATING = h.progressing("Component is being updated to a different version."),
  RECONCILING = h.progressing("Controller has started but not yet completed reconciliation loop for the component."),
  ACTION_PENDING = h.progressing("Some components have an action pending."),
}
if overall == "ERROR" then
  local failed = {}
  for name, comp in pairs(h.list(s.componentStatus)) do
    if type(comp) == "table" and comp.status == "ERROR" then
      failed[#failed + 1] = tostring(name) .. (h.text(comp.error) and (": " .. comp.error) or "")
    end
  end
  table.sort(failed)
  if #failed > 0 then
    return h.degraded("Component is in an error state: " .. table.concat(failed, "; "))
  end
  return h.degraded("Component is in an error state.")
end
return by_state[overall] or h.progressing("Waiting for the Istio operator to reconcile")
