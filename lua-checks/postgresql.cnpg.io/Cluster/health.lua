-- CloudNativePG Cluster. status.phase is the operator's summary of the cluster (phaseReason
-- explains it) and is judged whether or not status.conditions is there:
--   a failure phase (failing over, objects or plugins the operator cannot handle, an unusable
--   image catalog, a missing architecture binary, an unrecoverable cluster) -> Degraded, also
--   under a disabled loop or a hibernation in progress (failure first); a completed
--   hibernation has no instances left to fail, so it stays Suspended;
--   cnpg.io/reconciliationLoop: disabled                           -> Suspended
--   "Waiting for user action" (a supervised primary update waiting for
--   the user's switchover)                                         -> Suspended
--   the cnpg.io/hibernation condition, which the operator writes while the
--   cnpg.io/hibernation annotation is "on" and while it rehydrates afterwards:
--     True, reason Hibernated        -> Suspended (no pods left, PVCs kept)
--     True, reason Rehydration       -> Progressing (hibernation turned off, pods coming back)
--     False, WrongAnnotationValue    -> Degraded (the annotation is neither on nor off)
--     False/Unknown, other reasons   -> Progressing (fencing, deleting the pods)
--   annotation "on" without the condition yet                      -> Progressing (the operator
--                                                                     hibernates a healthy cluster)
--   no phase yet                                                   -> Progressing
--   the healthy phase -> Healthy (with ContinuousArchiving=False, whose message it shows: the
--   condition flips on each WAL upload); any other phase (switchover, upgrade, restart,
--   configuration being applied, replica being created: an operation in flight) -> Progressing.
local h = require("herald")

local s = h.status(obj)
local phase = h.text(s.phase)
local why = h.text(s.phaseReason) or phase

local FAILING = {
  ["Failing over"] = true,
  ["Unable to create required cluster objects"] = true,
  ["Cluster has incomplete or invalid image catalog"] = true,
  ["Cluster is unrecoverable and needs manual intervention"] = true,
  -- the wording of the same phase before CloudNativePG 1.25
  ["Cluster is in an unrecoverable state, needs manual intervention"] = true,
}
local failing = phase ~= nil and (FAILING[phase] or phase:find("cannot", 1, true) ~= nil)

local hib = h.condition(obj, "cnpg.io/hibernation")
local hib_reason = h.text(h.field(hib, "reason"))
if h.is(hib, "True") and hib_reason ~= "Rehydration" then
  return h.suspended(h.explain(hib, "Cluster has been hibernated"))
end
if h.is(hib, "False") and hib_reason == "WrongAnnotationValue" then
  return h.degraded(h.explain(hib, "The cnpg.io/hibernation annotation is neither on nor off"))
end
if failing then
  return h.degraded(why)
end
if h.annotation(obj, "cnpg.io/reconciliationLoop") == "disabled" then
  return h.suspended("Cluster reconciliation is suspended")
end
-- primaryUpdateStrategy: supervised holds a rolling update before the primary until someone
-- runs a switchover (the only place the operator registers this phase).
if phase == "Waiting for user action" then
  return h.suspended(why)
end
if hib ~= nil then
  if hib_reason == "Rehydration" then
    return h.progressing(h.explain(hib, "Cluster is being rehydrated"))
  end
  return h.progressing(h.explain(hib, "Hibernation is in progress"))
end
if h.annotation(obj, "cnpg.io/hibernation") == "on" then
  return h.progressing("Hibernation requested, waiting for the operator to start it")
end
if phase == nil then
  return h.progressing("Waiting for the cluster to be created")
end
if phase == "Cluster in healthy state" then
  -- The instance manager turns ContinuousArchiving False on one failed WAL upload and back to
  -- True on the next success, so a failing archive is told, not judged.
  local archiving = h.condition(obj, "ContinuousArchiving")
  if h.is(archiving, "False") then
    return h.healthy("WAL archiving is failing: " .. (h.explain(archiving, "no detail")))
  end
  return h.healthy("")
end
return h.progressing(why)
