-- Crossplane Provider package. Two conditions matter: Installed (the package was fetched and
-- its active revision is in place) and Healthy (the active revision's runtime works).
-- The message is "<Installed reason> <Healthy reason>", as `kubectl get providers` shows them.
--   no conditions yet                   -> Progressing
--   reason ReconcilePaused              -> Suspended (crossplane.io/paused annotation)
--   Installed or Healthy False          -> Degraded
--   both True                           -> Healthy
--   otherwise (Unknown or one missing)  -> Progressing

local function find(conditions, kind)
  for _, c in ipairs(conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function summary(installed, healthy)
  local words = {}
  for _, c in ipairs({ installed or false, healthy or false }) do
    if c and c.reason and c.reason ~= "" then
      words[#words + 1] = c.reason
    end
  end
  return table.concat(words, " ")
end

local conditions = obj.status and obj.status.conditions
if conditions == nil or #conditions == 0 then
  return { status = "Progressing", message = "Waiting for provider to be installed" }
end

local installed = find(conditions, "Installed")
local healthy = find(conditions, "Healthy")
local message = summary(installed, healthy)

for _, c in ipairs({ installed or false, healthy or false }) do
  if c and c.reason == "ReconcilePaused" then
    return { status = "Suspended", message = message }
  end
end
if (installed and installed.status == "False") or (healthy and healthy.status == "False") then
  return { status = "Degraded", message = message }
end
if installed and healthy and installed.status == "True" and healthy.status == "True" then
  return { status = "Healthy", message = message }
end
if message == "" then
  message = "Waiting for provider to be installed"
end
return { status = "Progressing", message = message }
