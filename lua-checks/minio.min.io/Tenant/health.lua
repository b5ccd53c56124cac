-- MinIO operator Tenant. The operator writes what it is doing in status.currentState, e.g.
-- "Provisioning MinIO Statefulset", "Waiting for Pods to be ready", and "Initialized" once the
-- tenant is up. States that need a human (foreign StatefulSets, bad credentials, version skew
-- between pools, a refused pool removal, errors) are Degraded; other states (provisioning
-- services, StatefulSets, initial users or default buckets; waiting for certificates, pods or a
-- healthy tenant; updating or restarting MinIO) are Progressing.
-- Once the tenant is Initialized the operator also probes MinIO's cluster health and writes
-- status.healthStatus (with healthMessage): red when the cluster answers unavailable (no write
-- quorum), yellow when a pod is not running, drives are healing or quorum is about to be lost.
--   Initialized, healthStatus red    -> Degraded
--   Initialized, healthStatus yellow -> Progressing (healing, or pods coming back)
--   Initialized otherwise            -> Healthy
local h = require("herald")
local s = h.status(obj)
local state = h.text(s.currentState)

if state == nil then
  return h.progressing("No status info available")
end
if state == "Initialized" then
  local health = h.text(s.healthStatus)
  local why = h.text(s.healthMessage)
  if health == "red" then
    return h.degraded("MinIO cluster is unavailable" .. (why and (": " .. why) or ""))
  elseif health == "yellow" then
    return h.progressing("MinIO cluster is degraded" .. (why and (": " .. why) or ""))
  end
  return h.healthy(state)
end
local blocked = {
  ["Statefulset not controlled by operator"] = true,
  ["Tenant credentials are not set properly"] = true,
  ["Different versions across MinIO Pools"] = true,
  ["Different versions across MinIO Zones"] = true, -- the same state, before pools were named so
  ["Pool Decommissioning Not Allowed"] = true,
  -- The operator serves one Tenant per namespace and will not touch a second one.
  ["Another MinIO Tenant already exists in the namespace"] = true,
}
if blocked[state] or string.find(state, "[Ee]rror") or string.find(state, "[Ff]ailed") then
  return h.degraded(state)
end
return h.progressing(state)
