-- Strimzi (kafka.strimzi.io): every custom resource the Strimzi operators reconcile reports its
-- state in the same few conditions.
-- `require("strimzi").health(obj, waiting)`; `require("strimzi").connector(obj, waiting)` adds
-- the Kafka Connect REST state a KafkaConnector records; `require("strimzi").topic(obj, waiting)`
-- adds the topic operator's own states.
--
-- What the operators write (operator-common StatusUtils, the assembly operators):
--   Ready=True                     the last reconciliation succeeded            -> Healthy
--   NotReady=True reason=Creating  the initial status of a new Kafka cluster    -> Progressing
--   NotReady=True (any other reason, the exception's class name)               -> Degraded
--   Ready=False                    the topic operator's failed reconciliation  -> Degraded
--   ReconciliationPaused=True      strimzi.io/pause-reconciliation="true"      -> Suspended
--   Warning=True                   advice (deprecated fields, ignored config): not a verdict
-- The operators record status.observedGeneration with every status they write and keep the
-- last reconciliation's conditions while a new one runs (a rolling update of a Kafka cluster
-- takes minutes), so Strimzi's own readiness test (api CustomResourceConditions.isReady) wants
-- Ready=True *and* observedGeneration equal to metadata.generation. A Ready=True written for an
-- older generation is therefore progressing (the KafkaBridge and KafkaConnector checks do not
-- ask for it, see their headers).
local h = require("herald")

local M = {}

-- The failure the operator reports, or nil. A new Kafka cluster's first NotReady (reason
-- Creating) is the deployment starting, not a failure.
local function failure(c)
  if h.is(c.NotReady, "True") and c.NotReady.reason ~= "Creating" then
    return h.degraded(h.explain(c.NotReady, "Not ready"))
  end
  if h.is(c.Ready, "False") then
    return h.degraded(h.explain(c.Ready, "Not ready"))
  end
  return nil
end

local function summary(c, waiting, o, lag)
  if h.is(c.NotReady, "True") then
    return h.progressing(h.explain(c.NotReady, waiting))
  end
  if h.is(c.Ready, "True") then
    if lag and h.generation_lags(o) then
      return h.progressing("Waiting for the operator to reconcile the latest spec")
    end
    return h.healthy("")
  end
  return h.progressing(waiting)
end

-- ReconciliationPaused=True (the strimzi.io/pause-reconciliation annotation): Suspended, else nil.
local function paused(c)
  if h.is(c.ReconciliationPaused, "True") then
    return h.suspended(h.explain(c.ReconciliationPaused, "Reconciliation paused"))
  end
  return nil
end

-- A failure first, then a paused reconciliation; nil when neither.
local function failed_or_paused(c)
  return failure(c) or paused(c)
end

-- The common shape (Kafka, KafkaConnect, KafkaBridge, KafkaUser...): failure, then pause, then
-- Ready (a Ready=True for an older generation is progressing, unless `no_lag`).
function M.health(o, waiting, no_lag)
  local c = h.by_type(o)
  return failed_or_paused(c) or summary(c, waiting, o, not no_lag)
end

-- A KafkaConnector: on top of the conditions, status.connectorStatus holds what the Connect
-- REST API says of the connector and its tasks (RUNNING, PAUSED, STOPPED, FAILED, UNASSIGNED,
-- RESTARTING). The operator's Ready=True only says the reconciliation went through: a FAILED
-- connector or task is a failure; spec.state paused/stopped (or the older spec.pause) is a
-- suspension once the connector is in that state; UNASSIGNED or RESTARTING is progress.
function M.connector(o, waiting)
  local c = h.by_type(o)
  local failed = failure(c)
  if failed then
    return failed
  end
  local cs = h.status(o).connectorStatus
  local state = h.get(cs, "connector", "state")
  -- A failure with the first line of its Java stack trace, which names the exception.
  local function failed_with(what, trace)
    trace = h.text(trace)
    return h.degraded(what .. " failed" .. (trace and (": " .. trace:match("^[^\n]*")) or ""))
  end
  if state == "FAILED" then
    return failed_with("Connector", h.get(cs, "connector", "trace"))
  end
  for _, t in ipairs(h.list(h.field(cs, "tasks"))) do
    if type(t) == "table" and t.state == "FAILED" then
      return failed_with("Task " .. tostring(t.id), t.trace)
    end
  end
  local held = paused(c)
  if held then
    return held
  end
  local spec = h.spec(o)
  local wanted = spec.state or (spec.pause == true and "paused") or "running"
  if wanted == "paused" or wanted == "stopped" then
    local want_state = string.upper(wanted)
    if state == want_state then
      return h.suspended("Connector " .. wanted)
    end
    if h.is(c.Ready, "True") and state ~= nil then
      return h.progressing("Connector is " .. state .. ", waiting for it to be " .. wanted)
    end
  end
  local verdict = summary(c, waiting, o, false)
  if verdict.status == "Healthy" and (state == "UNASSIGNED" or state == "RESTARTING") then
    return h.progressing("Connector is " .. state)
  end
  return verdict
end

-- A KafkaTopic: the topic operator writes Unmanaged=True instead of Ready for a topic marked
-- strimzi.io/managed="false" (it no longer touches it: suspended), and keeps
-- status.replicasChange while a replication factor change runs through Cruise Control
-- (pending, then ongoing; its message may hold a transient error): progressing.
function M.topic(o, waiting)
  local c = h.by_type(o)
  local stop = failed_or_paused(c)
  if stop then
    return stop
  end
  if h.is(c.Unmanaged, "True") then
    return h.suspended(h.explain(c.Unmanaged, "Topic not managed by the topic operator"))
  end
  local verdict = summary(c, waiting, o, true)
  local change = h.status(o).replicasChange
  if verdict.status == "Healthy" and type(change) == "table" and change.state ~= nil then
    local msg = "Replication factor change to " .. tostring(change.targetReplicas) .. " " ..
      tostring(change.state)
    if h.text(change.message) then
      msg = msg .. ": " .. change.message
    end
    return h.progressing(msg)
  end
  return verdict
end

return M
