-- 3scale OpenAPI: an OpenAPI document the operator turns into 3scale products and backends.
-- The 3scale operator reports Invalid (bad spec) and Failed (3scale API call failed) conditions,
-- Waiting (needs approval) and In-progress, and Ready or Synced once 3scale holds the object.
return require("threescale").capability(obj, "OpenAPI")
