-- Config Connector (cnrm) resources. Most kinds report a Ready condition whose reason says
-- whether the GCP resource is up to date, updating, failing or waiting on another resource;
-- ConfigConnector and ConfigConnectorContext instead report a boolean status.healthy (and the
-- reasons in status.errors, added to the message).
-- Ready's status is the summary: True is Healthy whatever the reason. When it is not True, the
-- reason says why, and a failure reason (the update or delete failed, a referenced resource is
-- missing or invalid, another controller manages the resource) is Degraded even while the status is
-- Unknown, and even before the controller has observed the latest spec (healthy: false alike).
-- Otherwise a status older than the spec (observedGeneration behind) means an update is in
-- progress. DependencyNotReady (waiting for a referenced resource) is Suspended. A not-ready
-- resource whose reason is an in-flight one (Updating, Deleting, UpToDate before Ready flips) is
-- Progressing; any other reason with Ready=False is Degraded.
local h = require("herald")
local healthy = h.status(obj).healthy
local ready = h.condition(obj, "Ready")
local reason = h.field(ready, "reason")
local kind = h.text(obj.kind) or "Resource"
-- ConfigConnector and ConfigConnectorContext list what went wrong in status.errors.
local errors = {}
for _, e in ipairs(h.list(h.status(obj).errors)) do
  if h.text(e) then
    errors[#errors + 1] = e
  end
end
local unhealthy = kind .. " is not healthy" .. (#errors > 0 and (": " .. table.concat(errors, "; ")) or "")
local failing = {
  UpdateFailed = true,
  DependencyNotFound = true,
  DependencyInvalid = true,
  DeleteFailed = true,
  ManagementConflict = true,
}
local working = { Updating = true, UpdateInProgress = true, Deleting = true, UpToDate = true }

-- A failure the controller reports counts even before it has observed the latest spec.
if ready == nil and healthy == false then
  return h.degraded(unhealthy)
elseif ready ~= nil and not h.is(ready, "True") and failing[reason] then
  return h.degraded(h.explain(ready, "The resource is not ready"))
elseif h.generation_lags(obj) then
  return h.progressing("Update in progress")
elseif ready == nil and healthy ~= nil then
  return healthy == true and h.healthy(kind .. " is healthy") or h.degraded(unhealthy)
elseif ready == nil then
  return h.progressing("Update in progress")
elseif h.is(ready, "True") then
  return h.healthy(h.explain(ready, "The resource is up to date"))
elseif reason == "DependencyNotReady" then
  -- Waiting for a referenced resource: Suspended, as Argo CD reads it, so that an application
  -- whose resources reference each other does not wait on itself.
  return h.suspended(h.explain(ready, "Dependency not ready"))
elseif working[reason] or h.is(ready, "Unknown") then
  return h.progressing(h.explain(ready, "Update in progress"))
end
return h.degraded(h.explain(ready, "The resource is not ready"))
