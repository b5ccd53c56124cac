-- Crossplane Provider package. Two conditions matter: Installed (the package was fetched and
-- its active revision is in place) and Healthy (the active revision and its runtime work).
-- The message is "<Installed reason> <Healthy reason>", as `kubectl get providers` shows them,
-- followed by Installed's own message when Installed is False (the unpack error) and by
-- Healthy's when it reports a health still unknown.
-- The package manager pauses a package carrying `crossplane.io/paused: "true"` and records it
-- as Synced=False with reason ReconcilePaused.
--   no conditions yet                   -> Progressing (Suspended if the annotation is set)
--   Installed False, UnpackingPackage   -> Degraded (an unpack the package manager could not
--                                          finish: its error is the message)
--   Installed False, InactivePackageRevision -> Suspended with revisionActivationPolicy
--                                          Manual (the new revision waits for the user to
--                                          activate it), else Progressing (being activated)
--   Healthy False, UnhealthyPackageRevision -> Degraded, except when its message says the
--                                          revision's or runtime's health is still "Unknown"
--                                          (Crossplane 1.18+ folds RevisionHealthy and
--                                          RuntimeHealthy into it): Progressing
--   other Installed/Healthy False       -> Degraded (failure before suspension)
--   Synced=False ReconcilePaused, or the pause annotation -> Suspended
--   both True                           -> Healthy
--   otherwise (Unknown or one missing)  -> Progressing
local h = require("herald")
local WAITING = "Waiting for provider to be installed"
local PAUSED = "Reconciliation is paused (crossplane.io/paused)"
local annotated = h.annotation(obj, "crossplane.io/paused") == "true"
if #h.conditions(obj) == 0 then
  if annotated then
    return h.suspended(PAUSED)
  end
  return h.progressing(WAITING)
end

local installed, healthy = h.condition(obj, "Installed"), h.condition(obj, "Healthy")
local words = {}
for _, c in ipairs({ installed or false, healthy or false }) do
  if c and h.text(c.reason) then
    words[#words + 1] = c.reason
  end
end
local message = table.concat(words, " ")
local function with(c)
  local said = h.text(c and c.message)
  if said then
    return (message ~= "" and (message .. ": ") or "") .. said
  end
  return message
end

local paused = annotated
for _, c in ipairs(h.conditions(obj)) do
  if type(c) == "table" and c.reason == "ReconcilePaused" and c.status == "False" then
    paused = true
  end
end

-- Healthy=False whose message reports a health not yet known is a wait, not a failure.
local health_unknown = false
if h.is(healthy, "False") then
  local seen = string.match(h.text(healthy.message) or "", "^Package %a+ health is \"(%a*)\"")
  health_unknown = seen ~= nil and seen ~= "False"
end
local inactive = h.is(installed, "False") and installed.reason == "InactivePackageRevision"

if h.is(installed, "False") and not inactive then
  return h.degraded(with(installed))
end
if h.is(healthy, "False") and not health_unknown then
  return h.degraded(message)
end
if paused then
  return h.suspended(message ~= "" and message or PAUSED)
end
if inactive then
  if h.get(obj, "spec", "revisionActivationPolicy") == "Manual" then
    return h.suspended(with(installed)
      .. " (revisionActivationPolicy Manual: waiting for the revision to be activated)")
  end
  return h.progressing(with(installed))
end
if h.is(installed, "True") and h.is(healthy, "True") then
  return h.healthy(message)
end
if health_unknown then
  return h.progressing(with(healthy))
end
return h.progressing(message ~= "" and message or WAITING)
