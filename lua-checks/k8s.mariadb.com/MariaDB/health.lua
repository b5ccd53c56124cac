-- mariadb-operator MariaDB. The Ready condition sums up the server: True when it is running,
-- False while it is provisioning, restoring a backup or updating (reason says which), or when a
-- step failed. A suspended reconcile is reported as suspended.
-- Bootstrapped=False means the initial bootstrap (restoring the backup given in bootstrapFrom)
-- has not completed: the data is not all there yet, so it is Progressing even if Ready says
-- True. Order: a failure, then suspension (reason Suspended, or Cordoned: maintenance mode
-- blocking connections on purpose), then an unfinished bootstrap, then Ready. Ready=True with
-- reason PendingUpdate (no Pod updated yet) is progressing unless spec.updateStrategy.type
-- leaves the update to the user (OnDelete, Never); reason Maintenance is healthy.
return require("mariadb_operator").mariadb(obj)
