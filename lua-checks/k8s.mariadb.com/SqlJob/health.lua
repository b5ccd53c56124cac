-- mariadb-operator SqlJob. The operator reports the state of the SQL job's (Cron)Job in a
-- Complete condition whose reason says how it went (JobComplete, JobFailed, JobRunning,
-- CronJobScheduled, CronJobSuccess...). A failed run is degraded, a completed one healthy.
return require("mariadb_operator").job(obj)
