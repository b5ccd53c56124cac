-- 3scale ApplicationAuth: credentials (keys) pushed to an existing 3scale application.
-- The 3scale operator reports Invalid (bad spec) and Failed (3scale API call failed) conditions,
-- Waiting (needs approval) and In-progress, and Ready or Synced once 3scale holds the object.
return require("threescale").capability(obj, "ApplicationAuth")
