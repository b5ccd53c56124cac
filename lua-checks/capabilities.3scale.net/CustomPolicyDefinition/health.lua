-- 3scale CustomPolicyDefinition: a custom APIcast policy schema registered in 3scale.
-- The 3scale operator reports Invalid (bad spec) and Failed (3scale API call failed) conditions,
-- Waiting (needs approval) and In-progress, and Ready or Synced once 3scale holds the object.
local h = require("herald")
local c = h.by_type(obj)

if h.is(c.Invalid, "True") then
  return h.degraded(h.explain(c.Invalid, "3scale CustomPolicyDefinition configuration is invalid"))
elseif h.is(c.Failed, "True") then
  return h.degraded(h.explain(c.Failed, "3scale CustomPolicyDefinition synchronization failed"))
elseif h.is(c.Waiting, "True") then
  return h.suspended(h.explain(c.Waiting, "3scale CustomPolicyDefinition is waiting"))
elseif h.is(c["In-progress"], "True") then
  return h.progressing(h.explain(c["In-progress"], "3scale CustomPolicyDefinition is in progress"))
elseif h.is(c.Ready, "True") then
  return h.healthy("3scale CustomPolicyDefinition is ready")
elseif h.is(c.Synced, "True") then
  return h.healthy("3scale CustomPolicyDefinition is synced")
elseif h.is(c.Ready, "False") and h.text(c.Ready.message) then
  return h.degraded(c.Ready.message)
end
return h.progressing("Waiting for 3scale CustomPolicyDefinition status...")
