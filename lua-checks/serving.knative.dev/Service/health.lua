-- Knative Serving Service. Ready sums up ConfigurationsReady (the latest Revision can serve) and
-- RoutesReady (traffic reaches it). Conditions with severity Warning or Info are informational.
--   status older than the spec      -> Progressing
--   a condition False               -> Degraded
--   Ready=True                      -> Healthy
--   otherwise                       -> Progressing
-- The message has one line per condition that is not True:
--   "<type> is <status>, since <reason>. <message>"

local function counts(c)
  return c.severity == nil or c.severity == "" or c.severity == "Error"
end

local function line(c)
  local s = c.type .. " is " .. (c.status or "Unknown")
  if c.reason and c.reason ~= "" then
    s = s .. ", since " .. c.reason
  end
  s = s .. "."
  if c.message and c.message ~= "" then
    s = s .. " " .. c.message
  end
  return s .. "\n"
end

local status = obj.status
local generation = obj.metadata and obj.metadata.generation
if status and status.observedGeneration and generation and status.observedGeneration < generation then
  return { status = "Progressing", message = "Waiting for Knative to reconcile the latest spec" }
end

local conditions = status and status.conditions
if conditions == nil or #conditions == 0 then
  return { status = "Progressing", message = "Waiting for the service to be reconciled" }
end

local ready, failed = nil, false
local lines = {}
for _, c in ipairs(conditions) do
  if c.type == "Ready" then
    ready = c
  end
  if c.type and counts(c) and c.status ~= "True" then
    lines[#lines + 1] = line(c)
    if c.status == "False" then
      failed = true
    end
  end
end

if failed then
  return { status = "Degraded", message = table.concat(lines) }
end
if ready and ready.status == "True" then
  return { status = "Healthy", message = "" }
end
if #lines == 0 then
  return { status = "Progressing", message = "Waiting for the service to become ready" }
end
return { status = "Progressing", message = table.concat(lines) }
