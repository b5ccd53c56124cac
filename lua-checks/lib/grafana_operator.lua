-- grafana-operator (grafana.integreatly.org): the resources it applies to matching Grafana
-- instances (dashboards, datasources, folders...) report their state in conditions, and older
-- operators in status.NoMatchingInstances. `require("grafana_operator").synchronized(obj)`.
--
-- What the operator writes (controllers/controller_shared.go and the kind's controller):
--   <Kind>Synchronized=True  reason ApplySuccessful: applied to every matching instance
--   <Kind>Synchronized=False reason ApplyFailed: failed for some instances, with their errors
--   NoMatchingInstance=True  no Grafana instance matched the selector (EmptyAPIReply), or
--                            listing them failed (ErrFetchingInstances)
--   NoMatchingFolder=True    the folder the resource refers to cannot be found or resolved
--   FolderUIDMismatch=True   the folder's uid does not match the one it was created with
--   InvalidSpec=True         the spec cannot be applied (an invalid model, a cyclic parent...)
--   Suspended=True           spec.suspend: "Resource changes are ignored" (replaces the others)
local h = require("herald")

local M = {}

local function describe(c)
  return string.format("%s for %s because %s", tostring(c.reason or ""), tostring(c.type or ""), tostring(c.message or ""))
end

-- Condition types whose True status reports a failure.
local FAILING_WHEN_TRUE = {
  NoMatchingInstance = true,
  NoMatchingFolder = true,
  FolderUIDMismatch = true,
  InvalidSpec = true,
}

-- A failure (a False condition, or one of the failure types True) is degraded, before
-- suspension; Suspended=True is suspended; a True *Synchronized condition is healthy; an older
-- operator's bare status.uid is healthy too; nothing reported yet is progressing.
function M.synchronized(o)
  local s = h.status(o)
  if s.NoMatchingInstances == true then
    return h.degraded("can't find matching grafana instance")
  end
  local good, suspended = nil, nil
  for _, c in ipairs(h.conditions(o)) do
    if type(c) == "table" then
      if c.status == "False" or (c.status == "True" and FAILING_WHEN_TRUE[c.type]) then
        return h.degraded(describe(c))
      elseif c.status == "True" and c.type == "Suspended" then
        suspended = suspended or c
      elseif c.status == "True" and good == nil and type(c.type) == "string" and c.type:find("Synchronized$") then
        good = c
      end
    end
  end
  if suspended ~= nil then
    return h.suspended(h.explain(suspended, "Resource changes are ignored"))
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
