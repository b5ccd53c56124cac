-- Gateway health.
-- A Gateway is healthy when its controller has Accepted and Programmed it and
-- every listener in status.listeners is usable: Accepted and ResolvedRefs are
-- not False, Programmed is True and Conflicted is not True.
-- Degraded: Gateway Accepted/ResolvedRefs False, Programmed False for a
-- configuration reason (Invalid, NoResources, AddressNotUsable), or a broken
-- listener (reported as "Listener <name>: ...").
-- Progressing: no status yet, conditions older than metadata.generation,
-- Unknown/Pending conditions, or programming still under way.

local WAITING = "Waiting for Gateway status"

-- Programmed=False reasons that are not going to fix themselves.
local PROGRAMMED_FAILURES = { Invalid = true, NoResources = true, AddressNotUsable = true }

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

-- Classifies one condition (of a Gateway or a listener): "ok", "failed" or
-- "waiting". Condition types herald does not know about are "ok".
local function classify(cond)
  local t, s = cond.type, cond.status
  if t == "Conflicted" then
    if s == "True" then
      return "failed"
    end
    return "ok"
  end
  if t ~= "Accepted" and t ~= "ResolvedRefs" and t ~= "Programmed" then
    return "ok"
  end
  if s == "True" then
    return "ok"
  end
  if s == "Unknown" or cond.reason == "Pending" then
    return "waiting"
  end
  if t == "Programmed" and not PROGRAMMED_FAILURES[cond.reason] then
    return "waiting"
  end
  return "failed"
end

-- Sorts the current conditions of a Gateway or listener into the failed and
-- waiting lists, each message prefixed with `prefix`. Returns the set of
-- condition types that are True and the set of types present.
local function scan(conditions, gen, prefix, failed, waiting)
  local truthy, seen = {}, {}
  for _, cond in ipairs(list(conditions)) do
    if type(cond) == "table" and not isStale(cond, gen) then
      local verdict = classify(cond)
      if verdict == "failed" then
        table.insert(failed, prefix .. describe(cond, "Failed condition: "))
      elseif verdict == "waiting" then
        table.insert(waiting, prefix .. describe(cond, "Waiting for condition: "))
      end
      if type(cond.type) == "string" then
        seen[cond.type] = true
        truthy[cond.type] = truthy[cond.type] or cond.status == "True"
      end
    end
  end
  return truthy, seen
end

local function health()
  local status = obj.status
  if type(status) ~= "table" or #list(status.conditions) == 0 then
    return { status = "Progressing", message = WAITING }
  end
  local gen = generation()

  -- The Gateway-level conditions must describe the current spec.
  for _, cond in ipairs(status.conditions) do
    if type(cond) == "table" and (cond.type == "Accepted" or cond.type == "Programmed") and isStale(cond, gen) then
      return { status = "Progressing", message = WAITING }
    end
  end

  local failed, waiting = {}, {}
  local listenerWaiting = {}
  local gatewayTrue = scan(status.conditions, gen, "", failed, waiting)

  for _, listener in ipairs(list(status.listeners)) do
    if type(listener) == "table" then
      local prefix = "Listener " .. text(listener.name) .. ": "
      local _, seen = scan(listener.conditions, gen, prefix, failed, listenerWaiting)
      -- A listener the controller has reported on must end up Programmed.
      if next(seen) ~= nil and not seen["Programmed"] then
        table.insert(listenerWaiting, prefix .. "Waiting for condition: Programmed")
      end
    end
  end

  if #failed > 0 then
    return { status = "Degraded", message = joinUnique(failed) }
  end
  if #waiting > 0 then
    return { status = "Progressing", message = joinUnique(waiting) }
  end
  if #listenerWaiting > 0 then
    return { status = "Progressing", message = joinUnique(listenerWaiting) }
  end
  if not gatewayTrue["Accepted"] then
    return { status = "Progressing", message = "Waiting for condition: Accepted" }
  end
  if not gatewayTrue["Programmed"] then
    return { status = "Progressing", message = "Waiting for condition: Programmed" }
  end
  return { status = "Healthy", message = "Gateway is healthy" }
end

return health()
