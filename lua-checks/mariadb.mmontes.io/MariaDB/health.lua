-- mariadb-operator MariaDB. The operator keeps a Ready condition that turns True once the
-- StatefulSet is ready (and any bootstrap restore completed). Ready False is normally a phase of
-- provisioning; only a reason naming a failure or error counts as Degraded.
-- Bootstrapped=False means the initial bootstrap (restoring the backup given in bootstrapFrom)
-- has not completed: the data is not all there yet, so it is Progressing even if Ready says
-- True. Order: a failure, then suspension (reason Suspended, or Cordoned: maintenance mode
-- blocking connections on purpose), then an unfinished bootstrap, then Ready. Ready=True with
-- reason PendingUpdate (no Pod updated yet) is progressing unless spec.updateStrategy.type
-- leaves the update to the user (OnDelete, Never); reason Maintenance is healthy.
return require("mariadb_operator").mariadb(obj)
