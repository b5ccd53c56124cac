-- 3scale DeveloperUser: a user of a 3scale developer account.
-- The 3scale operator reports Invalid (bad spec) and Failed (3scale API call failed) conditions,
-- Waiting (needs approval) and In-progress, and Ready or Synced once 3scale holds the object.
return require("threescale").capability(obj, "DeveloperUser")
