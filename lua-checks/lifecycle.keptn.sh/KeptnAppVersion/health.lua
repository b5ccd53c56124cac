-- Keptn KeptnAppVersion. It tracks one version of an application through its pre-deployment checks, the deployment of its workloads and the post-deployment checks.
-- The Keptn lifecycle operator records the overall outcome in status.status: Succeeded is Healthy,
-- Failed or Cancelled is Degraded, and Pending/Progressing (or no outcome yet) is Progressing.
return require("keptn").outcome(obj, "status", "KeptnAppVersion")
