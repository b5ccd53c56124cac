-- Percona XtraDB Cluster: status.state summarises the cluster. ready -> Healthy (with ready
-- node count), initializing/stopping -> Progressing, error -> Degraded with the operator's
-- messages; paused and unrecognised states are Unknown.
local h = require("herald")
local s = h.status(obj)
local state = s.state
if state == "ready" then
  return h.healthy(string.format("%d/%d node(s) are ready", h.num(s.ready), h.num(s.size)))
elseif state == "initializing" then
  return h.progressing(string.format("%d/%d node(s) are ready", h.num(s.ready), h.num(s.size)))
elseif state == "stopping" then
  return h.progressing("Cluster is stopping")
elseif state == "paused" then
  return h.unknown("Cluster is paused")
elseif state == "error" then
  local msgs = {}
  if type(s.message) == "table" then
    for _, m in ipairs(s.message) do msgs[#msgs + 1] = tostring(m) end
  elseif h.text(s.message) then
    msgs[1] = s.message
  end
  return h.degraded("Cluster is on error" .. (#msgs > 0 and (": " .. table.concat(msgs, ", ")) or ""))
end
return h.unknown("Cluster status is unknown. Ensure your ArgoCD is current and then check for/file a bug report: https://github.com/argoproj/argo-cd/issues")
