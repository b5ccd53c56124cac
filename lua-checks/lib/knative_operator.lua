-- Knative operator (operator.knative.dev): KnativeServing and KnativeEventing install a Knative
-- component and summarise the install in a Ready condition.
-- `require("knative_operator").install(obj, "KnativeServing")`.
local h = require("herald")

local M = {}

-- Ready True is Healthy ("<kind> is healthy."). Until then the install is Progressing and the
-- message lists every condition as "<n>: <type> | <status>\n" so the lagging one is visible
-- (or says it waits for the install when there is no condition yet).
function M.install(o, kind)
  local name = h.text(h.field(o, "kind")) or kind
  if h.is(h.condition(o, "Ready"), "True") then
    return h.healthy(name .. " is healthy.")
  end
  local lines = {}
  for _, c in ipairs(h.conditions(o)) do
    if type(c) == "table" then
      local n = #lines + 1
      lines[n] = n .. ": " .. tostring(c.type) .. " | " .. tostring(c.status) .. "\n"
    end
  end
  if #lines == 0 then
    return h.progressing("Waiting for " .. name .. " to be installed")
  end
  return h.progressing(table.concat(lines))
end

return M
