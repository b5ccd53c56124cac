-- Crossplane AWS CloudFront Distribution (a managed resource). Synced=False means the last
-- reconcile against AWS failed; Ready=True once CloudFront reports the distribution deployed.
local h = require("herald")
local c = h.by_type(obj)

if h.is(c.Synced, "False") and c.Synced.reason == "ReconcilePaused" then
  -- Paused with the crossplane.io/paused annotation: Crossplane leaves it alone on purpose.
  return h.suspended("ReconcilePaused")
elseif h.is(c.Synced, "False") then
  return h.degraded(h.explain(c.Synced, "Failed to reconcile distribution"))
elseif c.Ready == nil then
  return h.progressing("Waiting for distribution to be created")
elseif h.is(c.Ready, "True") then
  return h.healthy("Distribution is available")
end
return h.progressing("Waiting for distribution to be available")
