-- Crossplane's classic provider-aws managed resources (rds, route53, s3...): Synced=False is a
-- failed reconcile, or a pause (reason ReconcilePaused); Ready=True means the AWS resource is
-- available; anything else is still being created or changed.
local h = require("herald")

local M = {}

-- `noun` names the resource in the waiting messages.
function M.managed(o, noun)
  local c = h.by_type(o)
  if h.is(c.Synced, "False") then
    if c.Synced.reason == "ReconcilePaused" then
      return h.suspended("ReconcilePaused")
    end
    return h.degraded(h.explain(c.Synced, "Failed to reconcile " .. noun))
  end
  if h.is(c.Ready, "True") then
    return h.healthy(h.explain(c.Ready, "Available"))
  end
  return h.progressing("Waiting for " .. noun .. ((c.Ready or c.Synced) and " to be available" or " to be created"))
end

-- The IAM kinds (Policy, Role, RolePolicyAttachment): as `managed`, but Ready=False with reason
-- Unavailable is Degraded, and the waiting messages follow the Ready condition.
function M.iam(o)
  local c = h.by_type(o)
  if h.is(c.Synced, "False") then
    return h.degraded(h.explain(c.Synced, "Reconcile failed"))
  end
  local ready = c.Ready
  if ready == nil then
    return h.progressing("Waiting for the provider to reconcile the resource")
  end
  if ready.status == "True" then
    return h.healthy(h.explain(ready, "Available"))
  end
  if ready.status == "False" and ready.reason == "Unavailable" then
    return h.degraded(h.explain(ready, "Unavailable"))
  end
  return h.progressing(h.explain(ready, "Waiting for the resource to become available"))
end

return M
