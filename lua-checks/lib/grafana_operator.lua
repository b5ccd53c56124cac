-- grafana-operator (grafana.integreatly.org): the resources it applies to matching Grafana
-- instances (dashboards, datasources, folders) report a <Kind>Synchronized condition, and older
-- operators status.NoMatchingInstances. `require("grafana_operator").synchronized(obj)`.
local h = require("herald")

local M = {}

local function describe(c)
  return string.format("%s for %s because %s", tostring(c.reason or ""), tostring(c.type or ""), tostring(c.message or ""))
end

-- No matching instance, a False condition or NoMatchingInstance=True is degraded; a True
-- *Synchronized condition is healthy; an older operator's bare status.uid is healthy too;
-- nothing reported yet is progressing.
function M.synchronized(o)
  local s = h.status(o)
  if s.NoMatchingInstances == true then
    return h.degraded("can't find matching grafana instance")
  end
  local good = nil
  for _, c in ipairs(h.conditions(o)) do
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
end

return M
