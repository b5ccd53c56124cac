-- Gloo Edge VirtualService. Gloo validates each resource and reports the outcome in status.state
-- (or, for namespaced reporters, in status.statuses.<namespace>.state): Pending / 0 not yet
-- validated, Accepted / 1 valid, Rejected / 2 and Warning / 3 with status.reason explaining.
-- The worst report wins; a resource Gloo has not looked at yet is progressing.
local h = require("herald")
local s = h.status(obj)
local reports = {}
if type(s.statuses) == "table" then
  for _, r in pairs(s.statuses) do
    if type(r) == "table" then
      reports[#reports + 1] = r
    end
  end
end
if s.state ~= nil then
  reports[#reports + 1] = s
end
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
