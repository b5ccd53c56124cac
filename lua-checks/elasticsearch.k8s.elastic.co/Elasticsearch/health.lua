-- ECK Elasticsearch. status.phase is the operator's reconciliation phase and status.health the
-- cluster colour (green, yellow, red, or unknown when ECK cannot reach the cluster).
--   phase Invalid (the spec failed validation)                      -> Degraded
--   phase Stalled (a node shutdown for a downscale or rolling upgrade
--     cannot make progress; ECK asks for a user if it persists)      -> Degraded
--   health red in phase Ready (or without a phase)                   -> Degraded
--   annotation eck.k8s.elastic.co/managed: "false" (orchestration
--     paused by the user; ECK leaves the cluster alone)               -> Suspended
--   metadata.generation ahead of status.observedGeneration           -> Progressing
--   phase ApplyingChanges, MigratingData or any other not Ready      -> Progressing
--     (also when red: a restart or upgrade ECK is applying can turn the
--     cluster red for a while, and ECK reports the phase it is in)
--   health yellow, unknown or not reported yet                       -> Progressing
--   green with fewer available nodes than requested (sum of
--     spec.nodeSets[].count)                                         -> Progressing
--   green with every node available                                  -> Healthy
--   an empty status (not reconciled yet)                             -> Unknown, as the corpus wants
local h = require("herald")
local eck = require("eck")
local s = h.status(obj)
local phase, health = h.text(s.phase), h.text(s.health)
if phase == nil and health == nil then
  return h.unknown("Elasticsearch Cluster status is unknown. Ensure your ArgoCD is current and then check for/file a bug report: https://github.com/argoproj/argo-cd/issues")
elseif phase == "Invalid" then
  return h.degraded("Elasticsearch phase is Invalid")
elseif phase == "Stalled" then
  return h.degraded("Elasticsearch phase is Stalled: a node shutdown cannot make progress")
elseif health == "red" and (phase == nil or phase == "Ready") then
  return h.degraded("Elasticsearch Cluster status is Red. Check the status of indices, replicas and shards")
elseif eck.paused(obj) then
  return h.suspended(eck.paused(obj))
elseif h.generation_lags(obj) then
  return h.progressing("Waiting for ECK to reconcile the latest Elasticsearch spec")
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
