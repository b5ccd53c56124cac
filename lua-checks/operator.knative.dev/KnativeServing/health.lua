-- Knative operator KnativeServing: installs a Knative component. Knative's Ready condition
-- summarises the other conditions (InstallSucceeded, DeploymentsAvailable, ...). Ready True is
-- Healthy; until then the install is Progressing and the message lists every condition as
-- "<n>: <type> | <status>" so the lagging one is visible.
local h = require("herald")
local kind = h.text(obj.kind) or "KnativeServing"

if h.is(h.condition(obj, "Ready"), "True") then
  return h.healthy(kind .. " is healthy.")
end
local lines = {}
for _, c in ipairs(h.conditions(obj)) do
  if type(c) == "table" then
    local n = #lines + 1
    lines[n] = n .. ": " .. tostring(c.type) .. " | " .. tostring(c.status) .. "\n"
  end
end
if #lines == 0 then
  return h.progressing("Waiting for " .. kind .. " to be installed")
end
return h.progressing(table.concat(lines))
