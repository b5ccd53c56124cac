-- Open Cluster Management Policy. On the hub, a root policy's status.compliant aggregates the
-- managed clusters it is placed on (status.status lists each cluster); a replicated policy
-- lists its templates in status.details. NonCompliant is Degraded, naming the clusters or
-- templates; Compliant is Healthy; a placement that selects no cluster is Healthy too.
local h = require("herald")
local s = h.status(obj)
local compliant = h.text(s.compliant)

local function names(list, field)
  local found = {}
  for _, item in ipairs(type(list) == "table" and list or {}) do
    if type(item) == "table" and item.compliant == "NonCompliant" then
      local name = field(item)
      if name then
        table.insert(found, name)
      end
    end
  end
  return found
end

if type(obj.spec) == "table" and obj.spec.disabled == true then
  return h.suspended("Policy is disabled")
end
if compliant == "NonCompliant" then
  local clusters = names(s.status, function(i) return h.text(i.clustername) end)
  if #clusters > 0 then
    return h.degraded("NonCompliant clusters: " .. table.concat(clusters, ", "))
  end
  local templates = names(s.details, function(i)
    return type(i.templateMeta) == "table" and h.text(i.templateMeta.name) or nil
  end)
  if #templates > 0 then
    return h.degraded("NonCompliant templates: " .. table.concat(templates, ", "))
  end
  return h.degraded("Policy is NonCompliant")
end
if compliant == "Compliant" then
  if type(s.status) == "table" and #s.status > 0 then
    return h.healthy("All clusters are compliant")
  end
  return h.healthy("Policy is compliant")
end
if compliant == nil and type(s.placement) == "table" and #s.placement > 0 then
  return h.healthy("No clusters match this policy")
end
if compliant ~= nil then
  return h.progressing("Compliance is " .. compliant)
end
return h.progressing("Waiting for the status to be reported")
