-- MinIO operator Tenant. The operator writes what it is doing in status.currentState, e.g.
-- "Provisioning MinIO Statefulset", "Waiting for Pods to be ready", and "Initialized" once the
-- tenant is up. States that need a human (foreign StatefulSets, bad credentials, version skew
-- between pools, a refused pool removal, errors) are Degraded; other states are Progressing.
local h = require("herald")
local state = h.text(h.status(obj).currentState)

if state == nil then
  return h.progressing("No status info available")
end
if state == "Initialized" then
  return h.healthy(state)
end
local blocked = {
  ["Statefulset not controlled by operator"] = true,
  ["Tenant credentials are not set properly"] = true,
  ["Different versions across MinIO Pools"] = true,
  ["Pool Decommissioning Not Allowed"] = true,
  -- The operator serves one Tenant per namespace and will not touch a second one.
  ["Another MinIO Tenant already exists in the namespace"] = true,
}
if blocked[state] or string.find(state, "[Ee]rror") or string.find(state, "[Ff]ailed") then
  return h.degraded(state)
end
return h.progressing(state)
