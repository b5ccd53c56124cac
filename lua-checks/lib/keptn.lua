-- Keptn lifecycle operator (lifecycle.keptn.sh): its run-like resources (app and workload
-- versions, tasks, evaluations) record their outcome as a word in one status field.
-- `require("keptn").outcome(obj, "status", "KeptnTask")`.
local h = require("herald")

local M = {}

local OUTCOMES = { Succeeded = "Healthy", Failed = "Degraded", Cancelled = "Degraded" }

-- status[field] decides: Succeeded is Healthy, Failed or Cancelled is Degraded, anything else
-- (Pending, Progressing, nothing yet) is Progressing. The message is "<kind> is <verdict>",
-- with the object's kind (or `kind` when it has none).
function M.outcome(o, field, kind)
  local name = h.text(h.field(o, "kind")) or kind
  local verdict = h.lookup(h.text(h.status(o)[field]), OUTCOMES)
  verdict.message = name .. " is " .. string.lower(verdict.status)
  return verdict
end

return M
