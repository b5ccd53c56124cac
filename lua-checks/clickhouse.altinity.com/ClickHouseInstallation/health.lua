-- Altinity ClickHouse installation. The operator reports the reconcile of the whole installation
-- in status.status: InProgress while it creates/updates pods, Completed when done, Aborted
-- when a reconcile was stopped, Terminating while the installation is deleted.
return require("clickhouse").installation(obj, "ClickHouse")
