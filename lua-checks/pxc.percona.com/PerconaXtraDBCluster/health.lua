-- Percona XtraDB Cluster: status.state summarises the cluster (the operator's AppState):
--   error         -> Degraded, with the operator's status.message list
--   paused        -> Unknown "Cluster is paused" (spec.pause: true and every pod gone). The
--                    health model would say Suspended, as the PSMDB check does; the shared corpus
--                    holds Argo CD's published expectation, Unknown, and herald keeps it there.
--   generation ahead of status.observedGeneration -> Progressing (the operator writes
--                    observedGeneration with every status update, so a lag is a spec not seen yet)
--   initializing  -> Progressing (creating, scaling, upgrading, or nodes not all ready)
--   stopping      -> Progressing (spec.pause: true while pods are still being removed)
--   ready         -> Healthy (with the ready node count)
--   unknown (the operator's own word), or anything else -> Unknown
local h = require("herald")
local s = h.status(obj)
local state = s.state
local count = string.format("%d/%d node(s) are ready", h.num(s.ready), h.num(s.size))
if state == "error" then
  local msgs = {}
  if type(s.message) == "table" then
    for _, m in ipairs(s.message) do msgs[#msgs + 1] = tostring(m) end
  elseif h.text(s.message) then
    msgs[1] = s.message
  end
  return h.degraded("Cluster is on error" .. (#msgs > 0 and (": " .. table.concat(msgs, ", ")) or ""))
end
if state == "paused" then
  return h.unknown("Cluster is paused")
end
if h.generation_lags(obj) then
  return h.progressing("Waiting for the operator to reconcile the latest spec (" .. count .. ")")
end
if state == "ready" then
  return h.healthy(count)
elseif state == "initializing" then
  return h.progressing(count)
elseif state == "stopping" then
  return h.progressing("Cluster is stopping")
elseif state == "unknown" then
  return h.unknown("The operator reports the cluster state as unknown (" .. count .. ")")
end
return h.unknown("Cluster status is unknown. Ensure your ArgoCD is current and then check for/file a bug report: https://github.com/argoproj/argo-cd/issues")
