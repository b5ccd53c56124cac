-- Keptn KeptnTask. It is one run of a task definition (a Job) before or after a deployment.
-- The Keptn lifecycle operator records the overall outcome in status.status: Succeeded is Healthy,
-- Failed or Cancelled is Degraded, and Pending/Progressing (or no outcome yet) is Progressing.
return require("keptn").outcome(obj, "status", "KeptnTask")
