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

-- Whether ECK was told to leave the object alone: eck.k8s.elastic.co/pause-orchestration "true"
-- (ECK 3.5: spec changes wait, health is still reported), or the older
-- eck.k8s.elastic.co/managed "false" / common.k8s.elastic.co/pause (no reconciliation at all).
-- Returns the annotation's description, or nil.
function M.paused(o)
  if h.annotation(o, "eck.k8s.elastic.co/pause-orchestration") == "true" then
    return "ECK orchestration is paused (eck.k8s.elastic.co/pause-orchestration)"
  end
  if h.annotation(o, "eck.k8s.elastic.co/managed") == "false" then
    return "Not managed by ECK (eck.k8s.elastic.co/managed=false)"
  end
  local legacy = h.annotation(o, "common.k8s.elastic.co/pause")
  if legacy == "true" then
    return "Not managed by ECK (common.k8s.elastic.co/pause)"
  end
  return nil
end

-- One order: red is Degraded (with the association that is not established, if any), paused
-- or not and whatever generation it describes; a pause annotation is Suspended; a spec ECK has
-- not observed yet, or no health yet, is Progressing; green Healthy; yellow Progressing; any
-- other word Unknown.
function M.colour(o, kind)
  local s = h.status(o)
  local health = h.text(s.health)
  if health == "red" then
    local assoc = association(s)
    return h.degraded(kind .. " health is red" .. (assoc and (" (" .. assoc .. ")") or ""))
  end
  local paused = M.paused(o)
  if paused then
    return h.suspended(paused)
  end
  if h.generation_lags(o) then
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
