-- Open Cluster Management Policy. On the hub, a root policy's status.compliant aggregates the
-- managed clusters it is placed on (status.status lists each cluster); a replicated policy
-- lists its templates in status.details. NonCompliant is Degraded, naming the clusters or
-- templates; Compliant is Healthy; a placement that selects no cluster is Healthy too.
local h = require("herald")
local s = h.status(obj)
local compliant = h.text(s.compliant)

-- The names (name_of(entry)) of a list's NonCompliant entries, joined by ", ".
local function noncompliant(list, name_of)
  local found = {}
  for _, entry in ipairs(h.list(list)) do
    local name = type(entry) == "table" and entry.compliant == "NonCompliant" and name_of(entry)
    if name then
      table.insert(found, name)
    end
  end
  return table.concat(found, ", ")
end

if h.spec(obj).disabled == true then
  return h.suspended("Policy is disabled")
end
if compliant == "NonCompliant" then
  local clusters = noncompliant(s.status, function(e) return h.text(e.clustername) end)
  if clusters ~= "" then
    return h.degraded("NonCompliant clusters: " .. clusters)
  end
  local templates = noncompliant(s.details, function(e)
    return h.text(h.get(e, "templateMeta", "name"))
  end)
  if templates ~= "" then
    return h.degraded("NonCompliant templates: " .. templates)
  end
  return h.degraded("Policy is NonCompliant")
end
if compliant == "Compliant" then
  return h.healthy(#h.list(s.status) > 0 and "All clusters are compliant" or "Policy is compliant")
end
if compliant == nil and #h.list(s.placement) > 0 then
  return h.healthy("No clusters match this policy")
end
if compliant ~= nil then
  return h.progressing("Compliance is " .. compliant)
end
return h.progressing("Waiting for the status to be reported")
