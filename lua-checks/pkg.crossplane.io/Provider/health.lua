-- Crossplane Provider package. Two conditions matter: Installed (the package was fetched and
-- its active revision is in place) and Healthy (the active revision's runtime works).
-- The message is "<Installed reason> <Healthy reason>", as `kubectl get providers` shows them.
--   no conditions yet                   -> Progressing
--   reason ReconcilePaused              -> Suspended (crossplane.io/paused annotation)
--   Installed or Healthy False          -> Degraded
--   both True                           -> Healthy
--   otherwise (Unknown or one missing)  -> Progressing
local h = require("herald")
local WAITING = "Waiting for provider to be installed"
if #h.conditions(obj) == 0 then
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

if (installed and installed.reason == "ReconcilePaused") or (healthy and healthy.reason == "ReconcilePaused") then
  return h.suspended(message)
end
if h.is(installed, "False") or h.is(healthy, "False") then
  return h.degraded(message)
end
if h.is(installed, "True") and h.is(healthy, "True") then
  return h.healthy(message)
end
return h.progressing(message ~= "" and message or WAITING)
