-- Atlas operator AtlasMigration. The Ready condition says whether the migration directory was
-- applied; its reason names the phase (Applied, Reconciling, Migrating...). Ready=False while
-- reconciling is progress; Ready=False in any other phase is a failure.
return require("atlas").ready(obj)
