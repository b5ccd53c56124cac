-- Knative operator (operator.knative.dev): KnativeServing and KnativeEventing install a Knative
-- component and summarise the install in a Ready condition.
-- `require("knative_operator").install(obj, "KnativeServing")`.
local h = require("herald")

local M = {}

-- Ready is the happy condition of a Knative living condition set over InstallSucceeded,
-- DeploymentsAvailable, DependenciesInstalled and VersionMigrationEligible: True only when all of
-- them are True, and carrying the reason and message of the one that is not. The operator marks
-- a failure with reason Error (InstallSucceeded False "Install failed with message: ...",
-- VersionMigrationEligible False "Version migration is not eligible ...", DependenciesInstalled
-- False "Dependency missing: ...") and progress with other reasons (DeploymentsAvailable False
-- NotReady "Waiting on deployments", DependenciesInstalled False Installing).
-- - InstallSucceeded or VersionMigrationEligible False, or any of them (Ready included) False
--   with reason Error: Degraded, with the condition's message (failure first, even beside a
--   Ready=True that the operator has not recomputed);
-- - status.observedGeneration behind metadata.generation: Progressing (the conditions describe
--   an older spec; the failures above still win);
-- - Ready True with every dependent condition True (or absent): Healthy ("<kind> is healthy.");
-- - otherwise Progressing, the message listing every condition as "<n>: <type> | <status>\n"
--   so the lagging one is visible (or saying it waits for the install when there is none yet).
local dependents = { "InstallSucceeded", "VersionMigrationEligible", "DependenciesInstalled",
  "DeploymentsAvailable", "Ready" }
local always_failed = { InstallSucceeded = true, VersionMigrationEligible = true }

function M.install(o, kind)
  local name = h.text(h.field(o, "kind")) or kind
  local c = h.by_type(o)
  for _, t in ipairs(dependents) do
    local cond = c[t]
    if h.is(cond, "False") and (always_failed[t] or cond.reason == "Error") then
      return h.degraded(h.explain(cond, t .. " is False"))
    end
  end
  -- Knative reconcilers bump status.observedGeneration after every reconcile, so a lag means
  -- the conditions below describe an older spec.
  if h.generation_lags(o) then
    return h.progressing("Waiting for the operator to reconcile the latest spec")
  end
  local settled = h.is(c.Ready, "True")
  for _, t in ipairs(dependents) do
    if c[t] ~= nil and not h.is(c[t], "True") then
      settled = false
    end
  end
  if settled then
    return h.healthy(name .. " is healthy.")
  end
  local lines = {}
  for _, cond in ipairs(h.conditions(o)) do
    if type(cond) == "table" then
      local n = #lines + 1
      lines[n] = n .. ": " .. tostring(cond.type) .. " | " .. tostring(cond.status) .. "\n"
    end
  end
  if #lines == 0 then
    return h.progressing("Waiting for " .. name .. " to be installed")
  end
  return h.progressing(table.concat(lines))
end

return M
