-- Pulumi Kubernetes Operator Stack, with kstatus-style conditions. Stalled=True means the operator
-- gave up (an invalid spec, an unavailable source, repeated failed updates) until the spec or
-- source changes: Degraded, ahead of a generation lag, because the stall's message is what the
-- user must act on. A spec not yet observed or Reconciling=True (processing, retrying after a
-- failure, waiting for a prerequisite) is Progressing. Ready=True is Healthy. Ready=False carries
-- one of two documented reasons: NotReadyStalled (Degraded, even if the Stalled condition is not
-- there to say more) or NotReadyInProgress, and any other Ready=False is work still in flight
-- (Progressing). Without a Ready condition (operator v1, which wrote no conditions),
-- status.lastUpdate.state decides: failed -> Degraded, succeeded -> Healthy, with the update's
-- permalink or name as the message when given.
local h = require("herald")
local c = h.by_type(obj)
if h.is(c.Stalled, "True") then
  return h.degraded(h.explain(c.Stalled, "Stack reconciliation is stalled"))
end
if h.field_lags(obj, "observedGeneration") then
  return h.progressing("Waiting for the operator to observe the latest spec change")
end
if h.is(c.Reconciling, "True") then
  return h.progressing(h.explain(c.Reconciling, "Stack update in progress"))
end
if h.is(c.Ready, "False") then
  if c.Ready.reason == "NotReadyStalled" then
    return h.degraded(h.explain(c.Ready, "Stack reconciliation is stalled"))
  end
  return h.progressing(h.explain(c.Ready, "Waiting for the stack to be processed"))
end
if c.Ready == nil then
  local last = h.status(obj).lastUpdate
  local state = h.text(h.field(last, "state"))
  local what = h.text(h.field(last, "permalink")) or h.text(h.field(last, "name"))
  if state == "failed" then
    return h.degraded("Last stack update failed" .. (what and (": " .. what) or ""))
  elseif state == "succeeded" then
    return h.healthy("Last stack update succeeded" .. (what and (": " .. what) or ""))
  end
end
return h.from_ready(obj, "Waiting for the stack to be processed")
