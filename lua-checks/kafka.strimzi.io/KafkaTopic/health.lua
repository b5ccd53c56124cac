-- Strimzi KafkaTopic. The Strimzi operators report Ready=True once the resource is reconciled, or a
-- NotReady=True / Ready=False condition whose message explains the failure. Paused
-- reconciliation (ReconciliationPaused=True) is suspended; no conditions yet is progressing.
local h = require("herald")
local c = h.by_type(obj)
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
return h.progressing("Waiting for Kafka Topic")
