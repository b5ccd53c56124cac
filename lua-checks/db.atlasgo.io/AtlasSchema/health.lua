-- Atlas operator AtlasSchema. The Ready condition says whether the desired schema was applied
-- to the database; its reason names the step (Applied, Reconciling, GettingDevDB, ApplyingSchema...).
--   Ready=True                                           -> Healthy
--   Ready=False, reason Reconciling (new or changed spec) -> Progressing
--   Ready=False, GettingDevDB "waiting for dev database"  -> Progressing (dev database starting)
--   Ready=False, any other reason (that step failed)      -> Degraded
--   Ready=Unknown or no Ready condition yet               -> Progressing
return require("atlas").ready(obj)
