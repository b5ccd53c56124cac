-- 3scale APIManager. The operator sets Available=True once every 3scale component deployment
-- is ready; Available=False carries the reason (e.g. missing secrets) the install is stuck.
local h = require("herald")
local available = h.condition(obj, "Available")

if h.is(available, "True") then
  return h.healthy("3scale APIManager is available")
elseif h.is(available, "False") then
  return h.degraded("3scale APIManager is degraded: " .. (h.text(available.reason) or h.explain(available, "not available")))
end
return h.progressing("Waiting for 3scale APIManager to become available")
