-- Cluster API MachinePool (a provider-managed group of machines, e.g. an ASG). status.phase
-- is Pending/Provisioning/Provisioned/Scaling/ScalingUp/ScalingDown/Running/Deleting/Failed/
-- Unknown; while it is not Running, the conditions that are False explain what is being waited
-- for.
--   phase Failed                                                  -> Degraded
--   paused (cluster.x-k8s.io/paused annotation, or Paused=True)   -> Suspended
--   phase Unknown (the provider cannot tell)                      -> Unknown
--   Scaling (the phase Cluster API uses instead of ScalingUp/ScalingDown when the replica
--     count is managed by an external autoscaler: it moves on its own), or Running with no
--     False condition                                             -> Healthy
--   Running with a False condition, any other phase               -> Progressing
local h = require("herald")
local capi = require("cluster_api")
local phase = h.text(h.status(obj).phase) or "Pending"
local waiting = {}
for _, c in ipairs(h.conditions(obj)) do
  if type(c) == "table" and c.status == "False" and h.text(c.type) then
    waiting[#waiting + 1] = "Not " .. c.type .. (h.text(c.reason) and (" (" .. c.reason .. ")") or "")
  end
end
local msg = "MachinePool is " .. phase
if #waiting > 0 then
  msg = msg .. ": " .. table.concat(waiting, ", ")
end

if phase == "Failed" then
  return h.degraded(msg)
elseif capi.paused(obj) then
  return h.suspended("MachinePool is paused")
elseif phase == "Unknown" then
  -- The provider cannot tell: neither working nor failed.
  return h.unknown(msg)
elseif phase == "Scaling" or (phase == "Running" and #waiting == 0) then
  -- Scaling: the machines it has run while the provider changes their number.
  return h.healthy(msg)
end
return h.progressing(msg)
