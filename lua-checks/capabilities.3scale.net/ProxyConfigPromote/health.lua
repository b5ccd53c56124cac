-- 3scale ProxyConfigPromote: a promotion of a product's APIcast configuration to staging/production.
-- The 3scale operator reports Invalid (bad spec), Failed (3scale API call failed) and Orphan
-- (refers to missing objects) conditions: Degraded; a suspended state or Waiting (needs approval):
-- Suspended; In-progress: Progressing; Ready or Synced once 3scale holds the object: Healthy.
return require("threescale").capability(obj, "ProxyConfigPromote")
