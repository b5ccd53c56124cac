-- Keptn KeptnWorkloadInstance. It tracks one version of a workload through its pre-deployment checks, deployment and post-deployment checks (renamed KeptnWorkloadVersion later).
-- The Keptn lifecycle operator records the overall outcome in status.status: Succeeded is Healthy,
-- Failed or Cancelled is Degraded, and Pending/Progressing (or no outcome yet) is Progressing.
return require("keptn").outcome(obj, "status", "KeptnWorkloadInstance")
