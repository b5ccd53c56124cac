-- Crossplane's classic provider-aws managed resources (rds, route53, s3, cloudfront, iam...).
-- crossplane-runtime's managed reconciler writes two conditions:
--   Synced: True ReconcileSuccess (the last reconcile applied the spec), False ReconcileError
--     (it failed; the message is the error), False ReconcilePaused (the object carries the
--     annotation crossplane.io/paused: "true" and is not reconciled). It never writes Unknown.
--   Ready: True Available, False Creating / Deleting / Unavailable (set by the provider from the
--     AWS resource's own state).
-- The verdicts, failure first:
--   Synced=False, reason other than ReconcilePaused       -> Degraded (the error)
--   Synced=False ReconcilePaused, or the pause annotation -> Suspended (nothing will change it)
--   Synced not yet True (Unknown)                          -> Progressing (the last reconcile
--                                                             has not been judged)
--   Ready=True                                             -> Healthy
--   otherwise (no Ready yet, Ready False or Unknown)       -> Progressing
local h = require("herald")

local M = {}

local PAUSE_ANNOTATION = "crossplane.io/paused"

-- Whether Crossplane was told to leave the object alone.
function M.paused(o)
  return h.annotation(o, PAUSE_ANNOTATION) == "true"
end

-- A failed reconcile (Synced=False with a reason other than ReconcilePaused) as Degraded, or nil.
-- `failed` is the message when the condition carries none.
local function failure(c, failed)
  local synced = c.Synced
  if h.is(synced, "False") and synced.reason ~= "ReconcilePaused" then
    return h.degraded(h.explain(synced, failed))
  end
  return nil
end

-- A pause (ReconcilePaused or the annotation) as Suspended, a reconcile not judged yet
-- (Synced=Unknown) as Progressing; nil when Ready should decide.
local function pause_or_wait(o, c)
  local synced = c.Synced
  if h.is(synced, "False") or M.paused(o) then
    return h.suspended((h.is(synced, "False") and h.text(synced.message)) or "ReconcilePaused")
  end
  if synced ~= nil and synced.status ~= "True" then
    return h.progressing(h.text(synced.message) or "Waiting for the provider to reconcile the resource")
  end
  return nil
end

-- `noun` names the resource in the waiting messages; the Healthy message is the Ready
-- condition's message or reason.
function M.managed(o, noun)
  local c = h.by_type(o)
  local early = failure(c, "Failed to reconcile " .. noun) or pause_or_wait(o, c)
  if early then
    return early
  end
  if h.is(c.Ready, "True") then
    return h.healthy(h.explain(c.Ready, "Available"))
  end
  if c.Ready == nil and c.Synced == nil then
    return h.progressing("Waiting for " .. noun .. " to be created")
  end
  return h.progressing(h.text(c.Ready and c.Ready.message) or ("Waiting for " .. noun .. " to be available"))
end

-- The IAM kinds (Policy, Role, RolePolicyAttachment): IAM has no provisioning states, so the
-- provider reports Ready=False with reason Unavailable only when the object it observed is not
-- usable (crossplane-runtime: "Unavailable should be set only when Crossplane expects the
-- resource to be available but knows it is not"): Degraded, before a pause (failure first). The
-- waiting messages follow Ready.
function M.iam(o)
  local c = h.by_type(o)
  local ready = c.Ready
  local early = failure(c, "Reconcile failed")
  if early then
    return early
  end
  if h.is(ready, "False") and ready.reason == "Unavailable" then
    return h.degraded(h.explain(ready, "Unavailable"))
  end
  early = pause_or_wait(o, c)
  if early then
    return early
  end
  if ready == nil then
    return h.progressing("Waiting for the provider to reconcile the resource")
  end
  if ready.status == "True" then
    return h.healthy(h.explain(ready, "Available"))
  end
  return h.progressing(h.explain(ready, "Waiting for the resource to become available"))
end

-- RDS kinds (DBInstance, DBCluster): the provider sets Ready=False Unavailable for every AWS
-- status it does not map to available, creating or deleting, so Unavailable mixes failures,
-- stops and maintenance. `state` is the AWS status the provider copied into status.atProvider
-- (dbInstanceStatus, or status for a cluster); `failed` the AWS statuses that are failures (AWS
-- RDS User Guide, "Viewing Amazon RDS DB instance status" and "Viewing DB cluster status").
-- On top of `verdict` (from M.managed): an AWS failure status is Degraded unless a failed
-- reconcile already is (failure first, before a pause); a pause keeps its verdict; "stopped"
-- (stopped on purpose by the owner; AWS starts it again after seven days) is Suspended; anything
-- else keeps the verdict, with the AWS status named while not available.
function M.rds(o, verdict, state, failed, noun)
  if verdict.status == "Degraded" or state == nil then
    return verdict
  end
  if failed[state] then
    return h.degraded("RDS reports the " .. noun .. " as " .. state)
  end
  if verdict.status == "Suspended" or verdict.status == "Healthy" then
    return verdict
  end
  if state == "stopped" then
    return h.suspended("RDS reports the " .. noun .. " as stopped")
  end
  local ready = h.condition(o, "Ready")
  if h.is(ready, "False") and ready.reason == "Unavailable" then
    return h.progressing("RDS reports the " .. noun .. " as " .. state)
  end
  return verdict
end

return M
