-- Atlas operator (db.atlasgo.io): AtlasMigration and AtlasSchema report a Ready condition whose
-- reason names the phase (Applied, Reconciling, Migrating, ApplyingSchema...).
-- `require("atlas").ready(obj)`.
local h = require("herald")

local M = {}

-- Ready=True is healthy; Ready=False is degraded unless the reason is Reconciling (the operator
-- started on a new or changed object) or GettingDevDB with the operator's "waiting for dev
-- database to be ready" (it is creating or scaling up the dev database it needs, a transient
-- error it retries); anything else is progressing. The message is the reason (else the
-- condition's message), the operator's message for the dev database wait.
-- Ready=False with reason ApprovalPending is Suspended: the operator is holding a migration (an
-- AtlasMigration's protected migrate-down) until someone approves its plan in Atlas Cloud at
-- status.approvalUrl, and retries only to see whether that happened; PlanRejected (the plan was
-- rejected there) stays Degraded.
function M.ready(o)
  local c = h.condition(o, "Ready")
  if c == nil then
    return h.progressing("Waiting for the Atlas operator")
  end
  local reason = h.text(c.reason) or h.text(c.message) or ""
  local message = h.text(c.message) or ""
  if c.status == "True" then
    return h.healthy(reason)
  elseif c.status == "False" and reason == "ApprovalPending" then
    local url = h.text(h.status(o).approvalUrl) or h.text(h.status(o).approvalURL)
    return h.suspended((h.text(c.message) or "Waiting for approval") .. (url and (": " .. url) or ""))
  elseif c.status == "False" and reason == "GettingDevDB"
      and message:lower():find("waiting for dev database", 1, true) then
    -- The operator is starting (or scaling up) its dev database and retries shortly.
    return h.progressing(message)
  elseif c.status == "False" and reason ~= "Reconciling" then
    return h.degraded(reason)
  end
  return h.progressing(reason)
end

return M
