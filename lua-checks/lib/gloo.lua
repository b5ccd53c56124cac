-- Gloo Edge (gloo.solo.io, gateway.solo.io): Gloo validates each resource and writes a report
-- with a state (Pending 0, Accepted 1, Rejected 2, Warning 3) and a reason, in status itself
-- and/or per reporting namespace in status.statuses. `require("gloo").validation(obj)`.
local h = require("herald")

local M = {}

-- The validation reports of an object: each table in status.statuses, then status itself when
-- it carries a state.
function M.reports(o)
  local s = h.status(o)
  local reports = {}
  for _, r in pairs(h.list(s.statuses)) do
    if type(r) == "table" then
      reports[#reports + 1] = r
    end
  end
  if s.state ~= nil then
    reports[#reports + 1] = s
  end
  return reports
end

-- The worst report wins: Rejected or Warning is degraded (with the report's reason), Pending is
-- suspended, a state Gloo does not document is progressing, all Accepted is healthy. No report
-- yet is progressing.
function M.validation(o)
  local reports = M.reports(o)
  if #reports == 0 then
    return h.progressing("Update in progress")
  end
  local pending, unknown = false, false
  for _, r in ipairs(reports) do
    local state = r.state
    if state == "Rejected" or state == 2 then
      return h.degraded(h.text(r.reason) or "The resource was rejected")
    elseif state == "Warning" or state == 3 then
      return h.degraded(h.text(r.reason) or "The resource was accepted with warnings")
    elseif state == "Pending" or state == 0 then
      pending = true
    elseif not (state == "Accepted" or state == 1) then
      unknown = true
    end
  end
  if pending then
    return h.suspended("The resource has not yet been validated")
  end
  if unknown then
    return h.progressing("Update in progress")
  end
  return h.healthy("The resource has been validated")
end

return M
