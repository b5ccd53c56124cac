-- Keptn lifecycle operator (lifecycle.keptn.sh): its run-like resources (app and workload
-- versions, tasks, evaluations) record their outcome as a KeptnState word in one status field:
-- Pending, Progressing, Succeeded, Failed, Unknown, Warning or Deprecated (lifecycle-operator
-- apis common.go; Succeeded, Failed, Warning and Deprecated are the completed ones).
-- `require("keptn").outcome(obj, "status", "KeptnTask")`.
local h = require("herald")

local M = {}

local OUTCOMES = { Succeeded = "Healthy", Failed = "Degraded", Cancelled = "Degraded" }

-- status[field] decides: Succeeded is Healthy, Failed (or Cancelled, older releases) is
-- Degraded; Warning (checks failed but, with blocking turned off, did not stop the deployment)
-- is a finished run with health warning; Deprecated (skipped because an earlier phase failed)
-- is finished without a verdict of its own; anything else (Pending, Progressing, Unknown,
-- nothing yet) is Progressing. The message is "<kind> is <verdict>", with the object's kind
-- (or `kind` when it has none).
function M.outcome(o, field, kind)
  local name = h.text(h.field(o, "kind")) or kind
  local state = h.text(h.status(o)[field])
  if state == "Warning" then
    return { health = "warning", ready = true, status = "Warning",
      message = name .. " completed with warnings: failed checks did not block the deployment" }
  elseif state == "Deprecated" then
    return { health = "unknown", ready = true, status = "Deprecated",
      message = name .. " was skipped: an earlier phase failed" }
  end
  local verdict = h.lookup(state, OUTCOMES)
  verdict.message = name .. " is " .. string.lower(verdict.status)
  return verdict
end

return M
