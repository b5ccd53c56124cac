-- Atlas operator (db.atlasgo.io): AtlasMigration and AtlasSchema report a Ready condition whose
-- reason names the phase (Applied, Reconciling, Migrating, ApplyingSchema...).
-- `require("atlas").ready(obj)`.
local h = require("herald")

local M = {}

-- Ready=True is healthy; Ready=False is degraded unless the reason is Reconciling; anything
-- else is progressing. The message is the reason (else the condition's message).
function M.ready(o)
  local c = h.condition(o, "Ready")
  if c == nil then
    return h.progressing("Waiting for the Atlas operator")
  end
  local reason = h.text(c.reason) or h.text(c.message) or ""
  if c.status == "True" then
    return h.healthy(reason)
  elseif c.status == "False" and reason ~= "Reconciling" then
    return h.degraded(reason)
  end
  return h.progressing(reason)
end

return M
