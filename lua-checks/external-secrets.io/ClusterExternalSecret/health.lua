-- ClusterExternalSecret health.
-- A ClusterExternalSecret stamps out one ExternalSecret per selected
-- namespace. Namespaces where that failed are listed in
-- status.failedNamespaces and flagged by a condition: Ready=False in current
-- releases, NotReady=True or PartiallyReady=True in older ones. Any of those
-- is Degraded; Ready=True with no failed namespace is Healthy; no conditions
-- yet is Progressing. Older releases append conditions without removing the
-- earlier ones, so once a Ready condition exists it is the current summary and
-- a leftover PartiallyReady/NotReady beside it is history: Ready=Unknown is
-- Progressing unless status.failedNamespaces (the controller's own list of
-- failures) names a namespace.
local h = require("herald")
local c = h.by_type(obj)

local failed = {}
for _, entry in ipairs(h.list(h.status(obj).failedNamespaces)) do
  local namespace = type(entry) == "table" and h.text(entry.namespace)
  if namespace then
    local reason = h.text(entry.reason)
    table.insert(failed, reason and (namespace .. " (" .. reason .. ")") or namespace)
  end
end
if h.is(c.Ready, "True") and #failed == 0 then
  return h.healthy(h.text(c.Ready.message))
end
local failure = (h.is(c.Ready, "False") and c.Ready) or nil
if c.Ready == nil then
  failure = (h.is(c.NotReady, "True") and c.NotReady)
    or (h.is(c.PartiallyReady, "True") and c.PartiallyReady) or nil
end
if failure ~= nil or #failed > 0 then
  return h.degraded(h.text(h.field(failure, "message"))
    or (#failed > 0 and ("failed namespaces: " .. table.concat(failed, ", ")))
    or "ClusterExternalSecret is not ready")
end
return h.progressing(h.text(h.field(c.Ready, "message")) or "Waiting for ClusterExternalSecret")
