-- Crossplane provider-aws RDS DBInstance. Synced=False is a failed reconcile (Degraded with the
-- provider's error) unless it is ReconcilePaused (Suspended, e.g. crossplane.io/paused).
-- Ready=True (Available) is Healthy; Ready not yet True means AWS is still creating or
-- changing the resource: Progressing.
local h = require("herald")
local noun = "DBInstance"
local c = h.by_type(obj)
if h.is(c.Synced, "False") then
  if c.Synced.reason == "ReconcilePaused" then
    return h.suspended("ReconcilePaused")
  end
  return h.degraded(h.explain(c.Synced, "Failed to reconcile " .. noun))
end
if h.is(c.Ready, "True") then
  return h.healthy(h.explain(c.Ready, "Available"))
end
if c.Ready == nil and c.Synced == nil then
  return h.progressing("Waiting for " .. noun .. " to be created")
end
return h.progressing("Waiting for " .. noun .. " to be available")
