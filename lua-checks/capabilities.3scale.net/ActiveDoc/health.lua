-- 3scale ActiveDoc: an OpenAPI document published in the 3scale developer portal.
-- The 3scale operator reports Invalid (bad spec) and Failed (3scale API call failed) conditions,
-- Waiting (needs approval) and In-progress, and Ready or Synced once 3scale holds the object.
return require("threescale").capability(obj, "ActiveDoc")
