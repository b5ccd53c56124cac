-- Percona XtraDB Cluster: status.state summarises the cluster. ready -> Healthy (with ready
-- node count), initializing/stopping -> Progressing, error -> Degraded with the operator's
-- messages; paused and unrecognised states are Unknown.
local h = require("herald")
local s = h.status(obj)
local function num(v) return type(v) == "number" and v or 0 end
local nodes = string.format("%d/%d node(s) are ready", num(s.ready), num(s.size))
local state = s.state
if state == "ready" then
  return h.healthy(nodes)
elseif state == "initializing" then
  return h.progressing(nodes)
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
  if #msgs == 0 then
    return h.degraded("Cluster is on error")
  end
  return h.degraded("Cluster is on error: " .. table.concat(msgs, ", "))
end
return h.unknown("Cluster status is unknown. Ensure your ArgoCD is current and then check for/file a bug report: https://github.com/argoproj/argo-cd/issues")
