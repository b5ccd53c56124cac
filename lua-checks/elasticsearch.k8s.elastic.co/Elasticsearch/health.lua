-- ECK Elasticsearch. status.phase is the operator's reconciliation phase and status.health the
-- cluster colour. Ready with green health and all requested nodes (sum of spec.nodeSets[].count)
-- available is healthy; yellow or missing nodes is progressing; red or Invalid is degraded.
local h = require("herald")
local s = h.status(obj)
local phase, health = h.text(s.phase), h.text(s.health)
if phase == nil and health == nil then
  return h.unknown("Elasticsearch Cluster status is unknown. Ensure your ArgoCD is current and then check for/file a bug report: https://github.com/argoproj/argo-cd/issues")
elseif phase == "Invalid" then
  return h.degraded("Elasticsearch phase is Invalid")
elseif phase ~= nil and phase ~= "Ready" then
  return h.progressing("Elasticsearch phase is " .. phase)
elseif health == "red" then
  return h.degraded("Elasticsearch Cluster status is Red. Check the status of indices, replicas and shards")
elseif health == "yellow" then
  return h.progressing("Elasticsearch Cluster status is Yellow. Check the status of indices, replicas and shards")
elseif health ~= "green" then
  return h.progressing("Elasticsearch Cluster status is " .. (health or "not reported yet"))
end
local wanted = 0
for _, set in ipairs(h.list(h.spec(obj).nodeSets)) do
  wanted = wanted + h.num(h.field(set, "count"))
end
local available = h.num(s.availableNodes)
if available < wanted then
  return h.progressing(string.format("The desired amount of availableNodes is %d but the current amount is %d", wanted, available))
end
return h.healthy("Elasticsearch Cluster status is Green")
