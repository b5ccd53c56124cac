-- Humio operator HumioCluster. status.state is the cluster's lifecycle: Running is healthy;
-- Pending, Upgrading and Restarting are transitions; ConfigError means the spec (or something it
-- references) is wrong, with status.message saying what when the operator sets it.
local h = require("herald")
local s = h.status(obj)
local state = h.text(s.state)
if state == nil then
  return h.progressing("Update in progress")
end
if state == "Running" then
  return h.healthy("Cluster is in a healthy running state")
elseif state == "Restarting" then
  return h.progressing("Cluster pods are being restarted")
elseif state == "Upgrading" then
  return h.progressing("Cluster pods are being upgraded")
elseif state == "Pending" then
  return h.progressing("Cluster is waiting on resources to be provisioned")
elseif state == "ConfigError" then
  return h.degraded(h.text(s.message) or "User-provided cluster specification resulted in a configuration error")
elseif state == "Unknown" then
  return h.unknown("Component state: Unknown.")
end
return h.progressing(h.text(s.message) or ("Component state: " .. state .. "."))
