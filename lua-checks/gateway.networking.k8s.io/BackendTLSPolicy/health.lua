-- BackendTLSPolicy health.
-- Each Gateway (ancestor) that applies the policy reports it in
-- status.ancestors with Accepted and ResolvedRefs conditions. The policy is
-- healthy when every current ancestor entry has both True. A False condition
-- (target not found, conflict, missing CA certificate, ...) is Degraded;
-- Unknown or reason Pending is Progressing. Ancestor entries with no
-- conditions, or only conditions older than metadata.generation, do not
-- count; if none count yet the policy is waiting for status.

local POLICY_KIND = "BackendTLSPolicy"
local REQUIRED = { "Accepted", "ResolvedRefs" }

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

-- Current conditions of one ancestor entry, indexed by type.
local function freshConditions(entry, gen)
  local byType, count = {}, 0
  for _, cond in ipairs(list(entry.conditions)) do
    if type(cond) == "table" and type(cond.type) == "string" and not isStale(cond, gen) then
      byType[cond.type] = cond
      count = count + 1
    end
  end
  return byType, count
end

-- Returns "Healthy", "Degraded" or "Progressing" with a message, or nil when
-- the entry has nothing current to say.
local function judgeAncestor(entry, gen)
  local byType, count = freshConditions(entry, gen)
  if count == 0 then
    return nil
  end
  local waiting = nil
  for _, condType in ipairs(REQUIRED) do
    local cond = byType[condType]
    if cond == nil then
      waiting = waiting or ("Waiting for condition: " .. condType)
    elseif cond.status ~= "True" then
      if cond.status == "Unknown" or cond.reason == "Pending" then
        waiting = waiting or describe(cond, "Waiting for condition: ")
      else
        return "Degraded", describe(cond, "Failed condition: ")
      end
    end
  end
  if waiting ~= nil then
    return "Progressing", waiting
  end
  return "Healthy", ""
end

local function health()
  local status = obj.status
  local gen = generation()
  local degraded, progressing = {}, {}
  local judged = 0

  for _, entry in ipairs(list(type(status) == "table" and status.ancestors or nil)) do
    if type(entry) == "table" then
      local verdict, msg = judgeAncestor(entry, gen)
      if verdict ~= nil then
        judged = judged + 1
        local ref = type(entry.ancestorRef) == "table" and entry.ancestorRef or {}
        local line = "Ancestor " .. text(ref.name) .. ": " .. msg
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
    return { status = "Progressing", message = "Waiting for " .. POLICY_KIND .. " status" }
  end
  return { status = "Healthy", message = POLICY_KIND .. " is healthy" }
end

return health()
