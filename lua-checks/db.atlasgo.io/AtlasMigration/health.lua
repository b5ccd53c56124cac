-- Atlas operator AtlasMigration. The Ready condition says whether the migration directory was
-- applied; its reason names the step (Applied, Reconciling, GettingDevDB, Migrating...).
--   Ready=True                                           -> Healthy
--   Ready=False, reason Reconciling (new or changed spec) -> Progressing
--   Ready=False, GettingDevDB "waiting for dev database"  -> Progressing (dev database starting)
--   Ready=False, any other reason (that step failed)      -> Degraded
--   Ready=Unknown or no Ready condition yet               -> Progressing
return require("atlas").ready(obj)
