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
  return M.condition_in(M.conditions(o), kind)
end

-- Conditions indexed by type (the first of each type wins).
function M.by_type(o)
  return M.by_type_in(M.conditions(o))
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
  return M.field_lags(o, "observedGeneration")
end

-- Verdict constructors for Argo CD's return form: h.healthy(message), h.progressing(...),
-- h.degraded, h.suspended, h.unknown, h.missing.
local function verdict(status)
  return function(message)
    return { status = status, message = message or "" }
  end
end
M.healthy = verdict("Healthy")
M.progressing = verdict("Progressing")
M.degraded = verdict("Degraded")
M.suspended = verdict("Suspended")
M.unknown = verdict("Unknown")
M.missing = verdict("Missing")

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

-- ---------------------------------------------------------------------------------------------
-- Field access

-- t[key] when t is a table, else nil.
function M.field(t, key)
  if type(t) == "table" then
    return t[key]
  end
  return nil
end

-- Walks a path of keys: h.get(obj, "status", "health", "status"); nil where anything is missing.
function M.get(t, ...)
  local v = t
  for i = 1, select("#", ...) do
    if type(v) ~= "table" then
      return nil
    end
    v = v[select(i, ...)]
  end
  return v
end

-- The spec table of an object, or an empty table.
function M.spec(o)
  local s = o and o.spec
  if type(s) == "table" then
    return s
  end
  return {}
end

-- A number, or 0 (or the given default) when v is not one.
function M.num(v, default)
  if type(v) == "number" then
    return v
  end
  return default or 0
end

-- A list (table), or an empty table.
function M.list(v)
  if type(v) == "table" then
    return v
  end
  return {}
end

function M.label(o, key)
  return M.get(o, "metadata", "labels", key)
end

function M.annotation(o, key)
  return M.get(o, "metadata", "annotations", key)
end

-- Whether the object is being deleted.
function M.deleting(o)
  return M.get(o, "metadata", "deletionTimestamp") ~= nil
end

-- "3/5" -> 3, 5 (nil, nil when it is not such a ratio).
function M.ratio(s)
  if type(s) ~= "string" then
    return nil, nil
  end
  local a, b = s:match("^%s*(%d+)%s*/%s*(%d+)%s*$")
  if a == nil then
    return nil, nil
  end
  return tonumber(a), tonumber(b)
end

-- ---------------------------------------------------------------------------------------------
-- Conditions kept anywhere

-- Whether a condition's status is true: the string "True" or the boolean true.
function M.is_true(c)
  return c ~= nil and (c.status == "True" or c.status == true)
end

function M.is_false(c)
  return c ~= nil and (c.status == "False" or c.status == false)
end

-- The first condition of a type in any list of conditions.
function M.condition_in(list, kind)
  for _, c in ipairs(M.list(list)) do
    if type(c) == "table" and c.type == kind then
      return c
    end
  end
  return nil
end

-- Conditions of any list indexed by type (the first of each type wins).
function M.by_type_in(list)
  local found = {}
  for _, c in ipairs(M.list(list)) do
    if type(c) == "table" and c.type ~= nil and found[c.type] == nil then
      found[c.type] = c
    end
  end
  return found
end

-- The first condition (of status.conditions, or of the given list) whose status is `wanted`.
function M.first_with(o_or_list, wanted, list_given)
  local list = list_given and o_or_list or M.conditions(o_or_list)
  for _, c in ipairs(M.list(list)) do
    if type(c) == "table" and c.status == wanted then
      return c
    end
  end
  return nil
end

-- Whether a condition was written for an older generation than the object's.
function M.condition_lags(o, c)
  local gen = M.get(o, "metadata", "generation")
  return c ~= nil and type(gen) == "number" and type(c.observedGeneration) == "number"
    and c.observedGeneration < gen
end

-- Like generation_lags, for a status field other than observedGeneration.
function M.field_lags(o, field)
  local gen = M.get(o, "metadata", "generation")
  local seen = M.status(o)[field]
  return type(gen) == "number" and type(seen) == "number" and seen < gen
end

-- ---------------------------------------------------------------------------------------------
-- Verdicts

-- Maps a word (a phase, a state) to a verdict: `map` is {Word = "Healthy", ...}; words not in
-- the map give `fallback` (a status word, default "Progressing"). The message is `message`.
function M.lookup(word, map, message, fallback)
  local status = (word ~= nil and map[word]) or fallback or "Progressing"
  return { status = status, message = message or "" }
end

-- A condition of the given type decides. opts (all optional):
--   waiting   message when the condition is absent (Progressing)
--   reasons   {Reason = "Progressing", ...}: reasons that override the status mapping
--   on_false  status when False (default "Degraded"); on_unknown (default "Progressing")
--   lagging   when true, a condition written for an older generation is Progressing
function M.from_condition(o, kind, opts)
  opts = opts or {}
  local c = M.condition(o, kind)
  if c == nil then
    return M.progressing(opts.waiting or "Waiting for status")
  end
  local message = M.explain(c, "")
  if opts.lagging and M.condition_lags(o, c) then
    return M.progressing(opts.waiting or message)
  end
  local by_reason = opts.reasons and c.reason and opts.reasons[c.reason]
  if by_reason then
    return { status = by_reason, message = message }
  end
  if M.is_true(c) then
    return M.healthy(message)
  elseif M.is_false(c) then
    return { status = opts.on_false or "Degraded", message = message }
  end
  return { status = opts.on_unknown or "Progressing", message = message }
end

-- Crossplane-style resources: Synced=False is Degraded; then Ready decides.
function M.synced_ready(o, waiting)
  local by = M.by_type(o)
  if M.is_false(by.Synced) then
    return M.degraded(M.explain(by.Synced, ""))
  end
  if by.Ready == nil then
    return M.progressing(waiting or "Waiting for status")
  end
  if M.is_true(by.Ready) then
    return M.healthy(M.explain(by.Ready, ""))
  elseif M.is_false(by.Ready) then
    return M.degraded(M.explain(by.Ready, ""))
  end
  return M.progressing(M.explain(by.Ready, ""))
end

return M
