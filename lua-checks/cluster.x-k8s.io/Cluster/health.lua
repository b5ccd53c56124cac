-- Cluster API Cluster. spec.paused stops all reconciliation. status.phase moves Pending ->
-- Provisioning -> Provisioned (or Failed); a Ready condition that is False with severity
-- Error (or a failureMessage) reports a provisioning problem the controllers cannot fix; on the
-- v1beta2 API, Available=False once Provisioned is Degraded, any other Available not True waits.
return require("cluster_api").cluster(obj)
