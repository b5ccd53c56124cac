-- GRPCRoute health.
-- Every Gateway (parent) that handles the route writes one entry in
-- status.parents with its own conditions. The route is healthy when each
-- current entry says Accepted=True and ResolvedRefs=True. Accepted=False,
-- ResolvedRefs=False or PartiallyInvalid=True is a configuration problem
-- (Degraded); Unknown, reason Pending, or Programmed=False means the parent is
-- still working on it (Progressing). Entries whose conditions predate
-- metadata.generation are stale and are left out.

local ROUTE_KIND = "GRPCRoute"

-- For each condition type: the status that is good, and whether any other
-- status (other than Unknown/Pending) is a failure or only "not yet".
local RULES = {
  Accepted = { good = "True", failure = true },
  ResolvedRefs = { good = "True", failure = true },
  PartiallyInvalid = { good = "False", failure = true },
  Programmed = { good = "True", failure = false },
}

local function list(value)
  if type(value) == "table" then
    return value
  end
  return {}
end

local function text(value)
  if type(value) == "string" then
    return value
  end
  return ""
end

-- Joins messages with "; ", dropping repeats.
local function joinUnique(lines)
  local out, seen = {}, {}
  for _, line in ipairs(lines) do
    if not seen[line] then
      seen[line] = true
      table.insert(out, line)
    end
  end
  return table.concat(out, "; ")
end

local function generation()
  local meta = obj.metadata
  if type(meta) == "table" and type(meta.generation) == "number" then
    return meta.generation
  end
  return nil
end

local function isStale(cond, gen)
  return gen ~= nil and type(cond.observedGeneration) == "number" and cond.observedGeneration < gen
end

local function describe(cond, fallback)
  local msg = text(cond.message)
  if msg ~= "" then
    return msg
  end
  return fallback .. text(cond.type)
end

-- Judges one parent entry. Returns "Healthy", "Degraded" or "Progressing"
-- with a message, or nil when the entry carries no current conditions.
local function judgeParent(entry, gen)
  local fresh = {}
  for _, cond in ipairs(list(entry.conditions)) do
    if type(cond) == "table" and not isStale(cond, gen) then
      table.insert(fresh, cond)
    end
  end
  if #fresh == 0 then
    return nil
  end

  local waiting = nil
  local accepted = false
  for _, cond in ipairs(fresh) do
    local rule = RULES[cond.type]
    if rule ~= nil and cond.status ~= rule.good then
      local pending = cond.status == "Unknown" or cond.reason == "Pending"
      if rule.failure and not pending then
        return "Degraded", describe(cond, "Failed condition: ")
      end
      if waiting == nil then
        waiting = describe(cond, "Waiting for condition: ")
      end
    end
    if cond.type == "Accepted" and cond.status == "True" then
      accepted = true
    end
  end
  if waiting ~= nil then
    return "Progressing", waiting
  end
  if not accepted then
    return "Progressing", "Waiting for condition: Accepted"
  end
  return "Healthy", ""
end

local function health()
  local status = obj.status
  local gen = generation()
  local degraded, progressing = {}, {}
  local judged = 0

  for _, entry in ipairs(list(type(status) == "table" and status.parents or nil)) do
    if type(entry) == "table" then
      local verdict, msg = judgeParent(entry, gen)
      if verdict ~= nil then
        judged = judged + 1
        local ref = type(entry.parentRef) == "table" and entry.parentRef or {}
        local line = "Parent " .. text(ref.name) .. ": " .. msg
        if verdict == "Degraded" then
          table.insert(degraded, line)
        elseif verdict == "Progressing" then
          table.insert(progressing, line)
        end
      end
    end
  end

  if #degraded > 0 then
    return { status = "Degraded", message = joinUnique(degraded) }
  end
  if #progressing > 0 then
    return { status = "Progressing", message = joinUnique(progressing) }
  end
  if judged == 0 then
    return { status = "Progressing", message = "Waiting for " .. ROUTE_KIND .. " status" }
  end
  return { status = "Healthy", message = ROUTE_KIND .. " is healthy" }
end

return health()
