-- 3scale operator (capabilities.3scale.net): every capability object (Product, Backend,
-- ActiveDoc, Tenant...) reports the same conditions about its synchronization with 3scale.
-- `require("threescale").capability(obj, "Product")`.
local h = require("herald")

local M = {}

-- The state 3scale itself reports for the object, where the kind has one: an Application's
-- status.state, a DeveloperUser's status.developerUserState, a DeveloperAccount's
-- status.accountState ("suspended" when an admin or the spec suspended it).
local function state(o)
  local s = h.status(o)
  return h.text(s.state) or h.text(s.developerUserState) or h.text(s.accountState)
end

-- Invalid=True (bad spec), Failed=True (a 3scale API call failed) or Orphan=True (the spec
-- refers to objects that do not exist) is degraded, with the condition's message; then a
-- suspended object (3scale state "suspended") or Waiting=True (e.g. needs admin approval) is
-- suspended, In-progress=True progressing; Ready=True or Synced=True is healthy; Ready=False
-- with a message is degraded; otherwise progressing. Messages name the kind as "3scale <kind>".
function M.capability(o, kind)
  local c = h.by_type(o)
  local name = "3scale " .. kind
  if h.is(c.Invalid, "True") then
    return h.degraded(h.explain(c.Invalid, name .. " configuration is invalid"))
  elseif h.is(c.Failed, "True") then
    return h.degraded(h.explain(c.Failed, name .. " synchronization failed"))
  elseif h.is(c.Orphan, "True") then
    return h.degraded(h.explain(c.Orphan, name .. " refers to objects that do not exist"))
  elseif state(o) == "suspended" then
    return h.suspended(name .. " is suspended")
  elseif h.is(c.Waiting, "True") then
    return h.suspended(h.explain(c.Waiting, name .. " is waiting"))
  elseif h.is(c["In-progress"], "True") then
    return h.progressing(h.explain(c["In-progress"], name .. " is in progress"))
  elseif h.is(c.Ready, "True") then
    return h.healthy(name .. " is ready")
  elseif h.is(c.Synced, "True") then
    return h.healthy(name .. " is synced")
  elseif h.is(c.Ready, "False") and h.text(c.Ready.message) then
    return h.degraded(c.Ready.message)
  end
  return h.progressing("Waiting for " .. name .. " status...")
end

return M
