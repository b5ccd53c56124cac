-- Config Connector (cnrm) resources. Most kinds report a Ready condition whose reason says
-- whether the GCP resource is up to date, updating, failing or waiting on another resource;
-- ConfigConnector and ConfigConnectorContext instead report a boolean status.healthy.
-- A status older than the spec (observedGeneration behind) means an update is in progress.
local h = require("herald")
local s = h.status(obj)

if h.generation_lags(obj) then
  return h.progressing("Update in progress")
end

if s.healthy ~= nil and h.condition(obj, "Ready") == nil then
  local kind = h.text(obj.kind) or "Resource"
  if s.healthy == true then
    return h.healthy(kind .. " is healthy")
  end
  return h.degraded(kind .. " is not healthy")
end

local ready = h.condition(obj, "Ready")
if ready == nil then
  return h.progressing("Update in progress")
end
if h.is(ready, "True") then
  return h.healthy(h.explain(ready, "The resource is up to date"))
end
local reason = ready.reason
if reason == "DependencyNotReady" then
  return h.suspended(h.explain(ready, "Dependency not ready"))
elseif reason == "Updating" or reason == "UpdateInProgress" or h.is(ready, "Unknown") then
  return h.progressing(h.explain(ready, "Update in progress"))
end
return h.degraded(h.explain(ready, "The resource is not ready"))
