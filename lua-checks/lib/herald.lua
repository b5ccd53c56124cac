-- herald's shared helpers for Lua checks: `local h = require("herald")`.
-- Pure functions over the object; none of them errors on missing or oddly typed fields.

local M = {}

-- The status table of an object, or an empty table.
function M.status(o)
  local s = o and o.status
  if type(s) == "table" then
    return s
  end
  return {}
end

-- The list of conditions in status.conditions (or another list given), or an empty table.
function M.conditions(o)
  local list = M.status(o).conditions
  if type(list) == "table" then
    return list
  end
  return {}
end

-- The first condition of the given type, or nil.
function M.condition(o, kind)
  for _, c in ipairs(M.conditions(o)) do
    if type(c) == "table" and c.type == kind then
      return c
    end
  end
  return nil
end

-- Conditions indexed by type (the first of each type wins).
function M.by_type(o)
  local found = {}
  for _, c in ipairs(M.conditions(o)) do
    if type(c) == "table" and c.type ~= nil and found[c.type] == nil then
      found[c.type] = c
    end
  end
  return found
end

-- Whether condition c exists and has the given status ("True", "False", "Unknown").
function M.is(c, wanted)
  return c ~= nil and c.status == wanted
end

-- A non-empty string, or nil.
function M.text(v)
  if type(v) == "string" and v ~= "" then
    return v
  end
  return nil
end

-- The condition's message, else its reason, else the fallback.
function M.explain(c, fallback)
  if c == nil then
    return fallback or ""
  end
  return M.text(c.message) or M.text(c.reason) or fallback or ""
end

-- Whether the controller has not yet observed the latest spec
-- (metadata.generation ahead of status.observedGeneration, where both are present).
function M.generation_lags(o)
  local gen = o and o.metadata and o.metadata.generation
  local seen = M.status(o).observedGeneration
  return type(gen) == "number" and type(seen) == "number" and seen < gen
end

-- Verdict constructors for Argo CD's return form.
function M.healthy(message)
  return { status = "Healthy", message = message or "" }
end

function M.progressing(message)
  return { status = "Progressing", message = message or "" }
end

function M.degraded(message)
  return { status = "Degraded", message = message or "" }
end

function M.suspended(message)
  return { status = "Suspended", message = message or "" }
end

function M.unknown(message)
  return { status = "Unknown", message = message or "" }
end

-- The common shape: a Ready condition decides (True healthy, False degraded, Unknown
-- progressing); without one, the fallback message and Progressing.
function M.from_ready(o, waiting)
  local c = M.condition(o, "Ready")
  if c == nil then
    return M.progressing(waiting or "Waiting for status")
  end
  if c.status == "True" then
    return M.healthy(M.explain(c, ""))
  elseif c.status == "False" then
    return M.degraded(M.explain(c, ""))
  end
  return M.progressing(M.explain(c, ""))
end

return M
