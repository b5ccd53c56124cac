-- Humio operator HumioCluster. status.state is the cluster's lifecycle: Running is healthy;
-- Pending, Upgrading and Restarting are transitions; ConfigError means the spec (or something it
-- references) is wrong, with status.message saying what when the operator sets it.
local h = require("herald")
local s = h.status(obj)
local state = h.text(s.state)
local known = {
  Running = h.healthy("Cluster is in a healthy running state"),
  Restarting = h.progressing("Cluster pods are being restarted"),
  Upgrading = h.progressing("Cluster pods are being upgraded"),
  Pending = h.progressing("Cluster is waiting on resources to be provisioned"),
  ConfigError = h.degraded(h.text(s.message) or "User-provided cluster specification resulted in a configuration error"),
  Unknown = h.unknown("Component state: Unknown."),
}
if state == nil then
  return h.progressing("Update in progress")
end
return known[state] or h.progressing(h.text(s.message) or ("Component state: " .. state .. "."))
