-- Confluent for Kubernetes Connector: a Kafka Connect connector managed as a resource.
-- The operator mirrors Connect's view: status.connectorState (RUNNING, PAUSED, FAILED,
-- UNASSIGNED), status.tasksReady ("<ready>/<total>") and status.failedTasksCount. Failed tasks or
-- a failed connector are Degraded, a paused one is Suspended, and so is one carrying CFK's
-- platform.confluent.io/block-reconcile: "true" annotation (the operator leaves it alone);
-- all tasks running is Healthy; fewer tasks ready than configured is Progressing.
local h = require("herald")
local s = h.status(obj)
local state = h.text(s.connectorState)

-- Before the connector runs at all, Confluent for Kubernetes reports the resource's own state:
-- appState Failed / state ERROR, with the reason in its app-ready condition (e.g. the Connect
-- REST API refused the configuration).
if h.text(s.appState) == "Failed" or h.text(s.state) == "ERROR" then
  local why = h.condition(obj, "platform.confluent.io/app-ready")
  return h.degraded(h.text(why and h.is(why, "False") and why.message) or "Connector could not be created")
end

if type(s.failedTasksCount) == "number" and s.failedTasksCount > 0 then
  return h.degraded("Connector has failed tasks")
end
if state == "FAILED" then
  return h.degraded("Connector has failed")
end
if require("confluent").blocked(obj) then
  return h.suspended(
    "Reconciliation of Connector is blocked (platform.confluent.io/block-reconcile)")
end
if state == "PAUSED" then
  return h.suspended("Connector is paused")
end
if state == "RUNNING" then
  local ready, total = string.match(h.text(s.tasksReady) or "", "^(%d+)/(%d+)$")
  if ready ~= nil and tonumber(ready) >= tonumber(total) then
    return h.healthy("Connector is running")
  end
  return h.progressing("Connector tasks are starting")
end
return h.progressing("Waiting for Connector to run")
