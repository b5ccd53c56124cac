-- Crossplane Provider package. Two conditions matter: Installed (the package was fetched and
-- its active revision is in place) and Healthy (the active revision's runtime works).
-- The message is "<Installed reason> <Healthy reason>", as `kubectl get providers` shows them.
-- The package manager pauses a package carrying `crossplane.io/paused: "true"` and records it
-- as Synced=False with reason ReconcilePaused.
--   no conditions yet                   -> Progressing (Suspended if the annotation is set)
--   Installed or Healthy False          -> Degraded (failure before suspension)
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

local paused = annotated
for _, c in ipairs(h.conditions(obj)) do
  if type(c) == "table" and c.reason == "ReconcilePaused" and c.status == "False" then
    paused = true
  end
end

if h.is(installed, "False") or h.is(healthy, "False") then
  return h.degraded(message)
end
if paused then
  return h.suspended(message ~= "" and message or PAUSED)
end
if h.is(installed, "True") and h.is(healthy, "True") then
  return h.healthy(message)
end
return h.progressing(message ~= "" and message or WAITING)
