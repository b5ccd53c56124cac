-- Altinity ClickHouse installation. The operator reports the reconcile of the whole installation
-- in status.status: InProgress while it creates/updates pods, Completed when done, Aborted
-- when a reconcile was stopped, Terminating while the installation is deleted.
--   Aborted or Failed                                   -> Degraded (also when stopped/suspended)
--   spec.stop set ("yes", "1"...), reconcile InProgress -> Progressing (pods being removed)
--   spec.stop set                                       -> Suspended (no pods, PVCs kept)
--   spec.suspend set                                    -> Suspended (reconciliation stopped)
--   Completed -> Healthy; InProgress, Terminating, other or none yet -> Progressing
return require("clickhouse").installation(obj, "ClickHouse")
