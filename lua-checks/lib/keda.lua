-- KEDA (keda.sh): ScaledObjects and ScaledJobs report the same four conditions: Ready, Active,
-- Fallback and Paused. `require("keda").scaled(obj, "ScaledObject")`.
local h = require("herald")

local M = {}

-- v when it is a string (an empty one too), else the fallback: KEDA's messages as written.
local function as_written(v, fallback)
  if type(v) == "string" then
    return v
  end
  return fallback
end

-- Failure before suspension: Ready=False is degraded (KEDA cannot scale the target), so is
-- Ready=Unknown with reason PartialTriggerError (KEDA's word for "some triggers answer with an
-- error while another is active": it keeps scaling on the working ones, but a trigger is broken),
-- and Fallback=True (a metric source keeps failing), paused or not; then Paused=True is
-- suspended; Ready=True healthy, idle or Active; otherwise (Ready Unknown or absent: KEDA has
-- not reconciled it yet) progressing with Ready's message, else the first condition's that has
-- one. The last condition of each type counts.
function M.scaled(o, kind)
  local by, first = {}, nil
  for _, c in ipairs(h.conditions(o)) do
    if type(c) == "table" then
      if c.type then
        by[c.type] = c
      end
      first = first or (h.text(c.message) and c)
    end
  end
  local ready = by.Ready
  if h.is(ready, "False") then
    return h.degraded(as_written(ready.message, as_written(ready.reason, kind .. " is not ready")))
  elseif h.is(ready, "Unknown") and ready.reason == "PartialTriggerError" then
    return h.degraded(as_written(ready.message, "Some triggers of the " .. kind .. " are failing"))
  elseif h.is(by.Fallback, "True") then
    return h.degraded(as_written(by.Fallback.message, kind .. " is using fallback replicas"))
  elseif h.is(by.Paused, "True") then
    return h.suspended(as_written(by.Paused.message, kind .. " is paused"))
  elseif h.is(ready, "True") then
    return h.healthy(as_written(ready.message, ""))
  end
  return h.progressing(h.text(h.field(ready, "message")) or (first and first.message)
    or ("Waiting for " .. kind .. " to be ready"))
end

return M
