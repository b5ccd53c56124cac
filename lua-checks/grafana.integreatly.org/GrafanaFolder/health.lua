-- grafana-operator GrafanaFolder. The operator applies the folder to every matching Grafana
-- instance and reports the result in a FolderSynchronized condition (reason ApplySuccessful
-- or ApplyFailed). Older operators only set status.NoMatchingInstances when no instance matched.
-- A False condition or no matching instance is degraded; nothing reported yet is progressing.
return require("grafana_operator").synchronized(obj)
