-- Atlas operator AtlasSchema. The Ready condition says whether the desired schema was applied
-- to the database; its reason names the phase (Applied, Reconciling, ApplyingSchema). Ready=False while
-- reconciling is progress; Ready=False in any other phase is a failure.
return require("atlas").ready(obj)
