-- grafana-operator GrafanaDashboard. The operator applies the dashboard to every matching Grafana
-- instance and reports the result in a DashboardSynchronized condition (reason ApplySuccessful
-- or ApplyFailed). Older operators only set status.NoMatchingInstances when no instance matched.
-- A False condition or no matching instance is degraded; nothing reported yet is progressing.
return require("grafana_operator").synchronized(obj)
