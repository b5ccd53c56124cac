-- Knative Serving Service. Ready sums up ConfigurationsReady (the latest Revision can serve) and
-- RoutesReady (traffic reaches it). Conditions with severity Warning or Info are informational.
-- In the order read:
--   a condition False               -> Degraded (RevisionFailed, NotOwned, RevisionMissing after a
--                                      failure...), even when the spec moved on since: the
--                                      failure's message stays until Knative reports again
--   status older than the spec      -> Progressing
--   no conditions yet               -> Progressing
--   Ready=True                      -> Healthy
--   otherwise (Unknown: a Revision or the ingress still coming up) -> Progressing
-- The message has one line per condition that is not True:
--   "<type> is <status>, since <reason>. <message>"
local h = require("herald")
local conditions = h.conditions(obj)

-- "<type> is <status>, since <reason>. <message>\n" for a condition that is not True.
local function line(c)
  local reason, message = h.text(c.reason), h.text(c.message)
  return tostring(c.type) .. " is " .. tostring(c.status or "Unknown") .. (reason and (", since " .. reason) or "")
    .. "." .. (message and (" " .. message) or "") .. "\n"
end

local ready, failed, lines = nil, false, {}
for _, c in ipairs(conditions) do
  if type(c) == "table" then
    if c.type == "Ready" then
      ready = c
    end
    local counts = c.severity == nil or c.severity == "" or c.severity == "Error"
    if c.type and counts and c.status ~= "True" then
      lines[#lines + 1] = line(c)
      failed = failed or c.status == "False"
    end
  end
end
if failed then
  return h.degraded(table.concat(lines))
end
if h.field_lags(obj, "observedGeneration") then
  return h.progressing("Waiting for Knative to reconcile the latest spec")
end
if #conditions == 0 then
  return h.progressing("Waiting for the service to be reconciled")
end
if h.is(ready, "True") then
  return h.healthy("")
end
return h.progressing(#lines == 0 and "Waiting for the service to become ready" or table.concat(lines))
