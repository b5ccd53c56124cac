-- Any kind of a *.crossplane.io group: managed resources, packages and their revisions,
-- composite resource definitions, compositions, functions... Crossplane's conditions all read
-- "True = good" (Synced, Ready, Installed, Healthy, RevisionHealthy, Established, Offered...).
--   a revision with desiredState Inactive, Installed=False InactivePackageRevision -> Healthy
--   a condition False (not a step on the way, nor ReconcilePaused) -> Degraded (failure first)
--   Synced=False ReconcilePaused, or the crossplane.io/paused annotation -> Suspended
--   a condition Unknown, or False on the way (Creating, Deleting, UnpackingPackage,
--   InactivePackageRevision, AwaitingSignatureVerification, Ongoing, Waiting; a package whose
--   revision or runtime health is still Unknown) -> Progressing
--   all conditions True                    -> Healthy
--   no conditions: a kind the controllers reconcile (managed resource, package, revision, XRD)
--   is waiting for its first status -> Progressing; a pure definition (Composition,
--   DeploymentRuntimeConfig, EnvironmentConfig...) has no status by design -> Healthy.
-- Messages list the conditions' reasons in the order kubectl shows them; a failure says the
-- failing condition's message where it has one.
local h = require("herald")
local UP_TO_DATE = "Resource is up-to-date."

-- A malformed entry counts as a condition of unknown type and status.
local conditions = {}
for i, c in ipairs(h.conditions(obj)) do
  conditions[i] = type(c) == "table" and c or {}
end
if #conditions == 0 then
  local spec = h.spec(obj)
  if spec.forProvider ~= nil or spec.package ~= nil or spec.image ~= nil or spec.names ~= nil then
    return h.progressing("Waiting for the resource to be reconciled")
  end
  return h.healthy(UP_TO_DATE)
end

-- Conditions in `kubectl get` column order (well-known types first, others in object order).
local COLUMN = { Installed = 1, Healthy = 2, Synced = 1, Ready = 2, Established = 1, Offered = 2 }
local order = {}
for i, c in ipairs(conditions) do
  order[i] = { c = c, rank = COLUMN[c.type] or 10, pos = i }
end
table.sort(order, function(a, b)
  if a.rank ~= b.rank then
    return a.rank < b.rank
  end
  return a.pos < b.pos
end)

-- The reasons; a condition without one that is not True shows as "<type>=<status>".
-- False with these reasons is a step on the way, not a failure: a managed resource being created
-- or deleted, a package being unpacked, a revision waiting to be activated or for its
-- signature to be verified, an asynchronous operation of an upjet-generated resource
-- (AsyncOperation=False, reason Ongoing) still running, a claim waiting for its composite
-- resource (Ready=False, reason Waiting).
local TRANSITIONAL = {
  Creating = true, Deleting = true, UnpackingPackage = true, InactivePackageRevision = true,
  AwaitingSignatureVerification = true, Ongoing = true, Waiting = true,
}
-- A package revision set inactive on purpose (an older revision kept in history after an
-- upgrade, or revisionActivationPolicy Manual) is where it should be.
if h.spec(obj).desiredState == "Inactive" then
  local installed = h.condition(obj, "Installed")
  if h.is(installed, "False") and installed.reason == "InactivePackageRevision" then
    return h.healthy("Inactive revision: another revision of the package is active")
  end
end
-- A package's Healthy condition is False (UnhealthyPackageRevision) whenever its revision's
-- health or runtime health is not True, Unknown included; Crossplane then says so in the
-- message ('Package revision health is "Unknown"'): not judged yet, so a wait.
local function unjudged(c)
  local m = h.text(c.message)
  return c.reason == "UnhealthyPackageRevision" and m ~= nil
    and m:find('^Package %a+ health is "Unknown"') ~= nil
end
local words, paused, failed, pending = {}, false, false, false
for _, e in ipairs(order) do
  local c = e.c
  local reason = h.text(c.reason)
  if reason then
    words[#words + 1] = reason
  elseif c.status ~= "True" then
    words[#words + 1] = tostring(c.type or "condition") .. "=" .. tostring(c.status or "Unknown")
  end
  if c.reason == "ReconcilePaused" and c.status == "False" then
    paused = true
  elseif h.is(c, "False") and not TRANSITIONAL[c.reason] and not unjudged(c) then
    failed = failed or c
  elseif c.status ~= "True" then
    pending = true
  end
end
local message = table.concat(words, " ")
if failed then
  -- The failing condition's own explanation, when Crossplane wrote one.
  return h.degraded(h.text(failed.message) or message)
end
if paused then
  return h.suspended(message)
end
if h.annotation(obj, "crossplane.io/paused") == "true" then
  -- Paused before the controller wrote ReconcilePaused: it will not reconcile again.
  return h.suspended("Reconciliation is paused (crossplane.io/paused)")
end
if pending then
  return h.progressing(message)
end
return h.healthy(UP_TO_DATE)
