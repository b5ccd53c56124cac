-- Keptn KeptnEvaluation. It is one run of an evaluation definition (metric objectives checked before or after a deployment).
-- The Keptn lifecycle operator records the overall outcome in status.overallStatus: Succeeded is Healthy,
-- Failed or Cancelled is Degraded, and Pending/Progressing (or no outcome yet) is Progressing.
return require("keptn").outcome(obj, "overallStatus", "KeptnEvaluation")
