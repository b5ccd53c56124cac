-- Keptn KeptnTask. It is one run of a task definition (a Job) before or after a deployment.
-- The Keptn lifecycle operator records the overall outcome in status.status: Succeeded is Healthy,
-- Failed or Cancelled is Degraded, and Pending/Progressing (or no outcome yet) is Progressing.
local h = require("herald")
local state = h.text(h.status(obj).status)
local kind = h.text(obj.kind) or "KeptnTask"

if state == "Succeeded" then
  return h.healthy(kind .. " is healthy")
end
if state == "Failed" or state == "Cancelled" then
  return h.degraded(kind .. " is degraded")
end
return h.progressing(kind .. " is progressing")
