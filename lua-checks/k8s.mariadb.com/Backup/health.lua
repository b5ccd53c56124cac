-- mariadb-operator Backup. The operator reports the state of the backup's (Cron)Job in a Complete
-- condition whose reason is its verdict on the last run, whatever the condition's status:
--   a reason naming a failure (JobFailed, CronJobFailed, Failed), or
--   CronJobScheduled with the message Failed (older releases' failed run) -> Degraded
--   JobSuspended                                                       -> Suspended
--   Complete=True (JobComplete, CronJobSuccess)                        -> Healthy
--   anything else (JobRunning, CronJobRunning, CronJobScheduled)       -> Progressing
--   no Complete condition yet                                          -> Progressing
return require("mariadb_operator").job(obj)
