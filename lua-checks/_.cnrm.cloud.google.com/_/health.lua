-- Config Connector (cnrm) resources. Most kinds report a Ready condition whose reason says
-- whether the GCP resource is up to date, updating, failing or waiting on another resource;
-- ConfigConnector and ConfigConnectorContext instead report a boolean status.healthy.
-- A status older than the spec (observedGeneration behind) means an update is in progress.
local h = require("herald")
local healthy = h.status(obj).healthy
local ready = h.condition(obj, "Ready")
local reason = h.field(ready, "reason")
local kind = h.text(obj.kind) or "Resource"

if h.generation_lags(obj) then
  return h.progressing("Update in progress")
elseif ready == nil and healthy ~= nil then
  return healthy == true and h.healthy(kind .. " is healthy") or h.degraded(kind .. " is not healthy")
elseif ready == nil then
  return h.progressing("Update in progress")
elseif h.is(ready, "True") then
  return h.healthy(h.explain(ready, "The resource is up to date"))
elseif reason == "DependencyNotReady" then
  return h.suspended(h.explain(ready, "Dependency not ready"))
elseif reason == "Updating" or reason == "UpdateInProgress" or h.is(ready, "Unknown") then
  return h.progressing(h.explain(ready, "Update in progress"))
end
return h.degraded(h.explain(ready, "The resource is not ready"))
