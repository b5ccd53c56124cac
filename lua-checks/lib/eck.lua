-- Elastic Cloud on Kubernetes (ECK): the stack applications it runs next to Elasticsearch
-- (Kibana, APM Server, Enterprise Search, Elastic Maps Server, Elastic Agent) sum up their pods
-- in status.health. For the Deployment-backed ones ECK writes green when the Deployment reports
-- Available=True (minimum availability) and red otherwise (commonv1.DeploymentHealth); Elastic
-- Agent adds yellow (some pods ready). A reference to another resource that is not established
-- (status.*AssociationStatus Pending or Failed) also turns an application red.
-- `require("eck").colour(obj, "Kibana")`.
local h = require("herald")

local M = {}

-- The first association status that is not Established, as "<field>: <value>", or nil.
local function association(s)
  local names = {}
  for k in pairs(s) do
    if type(k) == "string" and k:find("ssociations?Status$") then table.insert(names, k) end
  end
  table.sort(names)
  for _, k in ipairs(names) do
    local v = s[k]
    if type(v) == "string" and v ~= "" and v ~= "Established" then
      return k .. ": " .. v
    elseif type(v) == "table" then
      local refs = {}
      for ref in pairs(v) do table.insert(refs, ref) end
      table.sort(refs)
      for _, ref in ipairs(refs) do
        if v[ref] ~= "Established" then return k .. ": " .. ref .. " " .. tostring(v[ref]) end
      end
    end
  end
  return nil
end

-- Whether ECK's orchestration of the object is paused: the annotation
-- `eck.k8s.elastic.co/managed: "false"` (ECK's troubleshooting docs, "pause ECK orchestration":
-- the operator ignores the resource until the annotation is removed or set to true).
function M.unmanaged(o)
  return h.annotation(o, "eck.k8s.elastic.co/managed") == "false"
end

M.UNMANAGED = "ECK orchestration is paused (eck.k8s.elastic.co/managed: false)"

-- In the project's order: red Degraded (with the association that is not established, if any);
-- orchestration paused Suspended; a spec ECK has not observed yet, or no health yet,
-- Progressing; green Healthy; yellow Progressing; any other word Unknown.
function M.colour(o, kind)
  local s = h.status(o)
  local health = h.text(s.health)
  if health == "red" then
    local assoc = association(s)
    return h.degraded(kind .. " health is red" .. (assoc and (" (" .. assoc .. ")") or ""))
  elseif M.unmanaged(o) then
    return h.suspended(M.UNMANAGED)
  elseif h.generation_lags(o) then
    return h.progressing("Waiting for ECK to reconcile the latest " .. kind .. " spec")
  end
  if health == nil then
    return h.progressing("Waiting for ECK to report the " .. kind .. "'s health")
  elseif health == "green" then
    return h.healthy(kind .. " health is green")
  elseif health == "yellow" then
    return h.progressing(string.format("%s health is yellow: %d of %d pods available", kind,
      h.num(s.availableNodes), h.num(s.expectedNodes, h.num(s.count))))
  end
  return h.unknown(kind .. " reports health \"" .. health .. "\", which ECK does not write")
end

return M
