-- grafana-operator GrafanaDashboard. The operator applies the dashboard to every matching Grafana
-- instance and reports the result in a DashboardSynchronized condition (reason ApplySuccessful
-- or ApplyFailed). Older operators only set status.NoMatchingInstances when no instance matched.
-- A False condition or no matching instance is degraded; nothing reported yet is progressing.
local h = require("herald")
local s = h.status(obj)
if s.NoMatchingInstances == true then
  return h.degraded("can't find matching grafana instance")
end
local function describe(c)
  return string.format("%s for %s because %s", tostring(c.reason or ""), tostring(c.type or ""), tostring(c.message or ""))
end
local good = nil
for _, c in ipairs(h.conditions(obj)) do
  if type(c) == "table" then
    if c.status == "False" or (c.type == "NoMatchingInstance" and c.status == "True") then
      return h.degraded(describe(c))
    elseif c.status == "True" and good == nil and type(c.type) == "string" and c.type:find("Synchronized$") then
      good = c
    end
  end
end
if good ~= nil then
  return h.healthy(describe(good))
end
if h.text(s.uid) ~= nil and s.conditions == nil then
  return h.healthy("")
end
return h.progressing("")
