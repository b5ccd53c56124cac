-- Keptn KeptnAppVersion. It tracks one version of an application through its pre-deployment checks, the deployment of its workloads and the post-deployment checks.
-- The Keptn lifecycle operator records the overall outcome in status.status: Succeeded is Healthy,
-- Failed or Cancelled is Degraded, and Pending/Progressing (or no outcome yet) is Progressing.
local h = require("herald")
local state = h.text(h.status(obj).status)
local kind = h.text(obj.kind) or "KeptnAppVersion"

if state == "Succeeded" then
  return h.healthy(kind .. " is healthy")
end
if state == "Failed" or state == "Cancelled" then
  return h.degraded(kind .. " is degraded")
end
return h.progressing(kind .. " is progressing")
