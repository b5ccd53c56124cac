-- Cluster API Cluster. spec.paused stops all reconciliation. status.phase moves Pending ->
-- Provisioning -> Provisioned (or Failed); a Ready condition that is False with severity
-- Error (or a failureMessage) reports a provisioning problem the controllers cannot fix.
return require("cluster_api").cluster(obj)
