-- GitOps Promoter PromotionStrategy: promotes hydrated DRY commits through a chain of
-- environments. Ready decides reconciliation failures; once ready, environments whose hydrator
-- output disagrees, or whose active commit lags the proposed one, are Progressing; all
-- environments on the same commit is Healthy.
local h = require("herald")
local s = h.status(obj)
local md = type(obj.metadata) == "table" and obj.metadata or {}

-- Shared GitOps Promoter gate: deletion, missing status, stale generation, Ready not True.
-- Returns a verdict, or nil (and the Ready condition's status is True) to let the kind decide.
local function gate(p)
  if md.deletionTimestamp ~= nil then
    local msg = p.name .. " is being deleted"
    local notes = {}
    if type(md.finalizers) == "table" then
      for _, f in ipairs(md.finalizers) do
        if p.finalizers and p.finalizers[f] then
          notes[#notes + 1] = f .. ": " .. p.finalizers[f]
        end
      end
    end
    if #notes > 0 then
      msg = msg .. ". " .. table.concat(notes, " ")
    end
    return h.progressing(msg)
  end
  if #h.conditions(obj) == 0 then
    return h.progressing(p.init)
  end
  local ready = h.condition(obj, "Ready")
  if ready == nil then
    return h.progressing(p.missing)
  end
  local gen, seen = md.generation, ready.observedGeneration
  if type(gen) == "number" and type(seen) == "number" and seen < gen then
    return h.progressing(p.outdated)
  end
  if ready.status == "True" or ready.status == true then
    return nil
  end
  local reason, msg = h.text(ready.reason), h.explain(ready, "no details")
  if ready.status == "False" or ready.status == false then
    if reason == nil or reason == "ReconciliationError" then
      return h.degraded(p.fail .. ": " .. msg)
    end
    return h.degraded((p.notready or p.fail) .. " (" .. reason .. "): " .. msg)
  end
  return h.progressing(p.unknown .. " (" .. (reason or "Unknown") .. "): " .. msg)
end

local v = gate({
  name = "Promotion strategy", init = "Initializing promotion strategy",
  missing = "Promotion strategy is not ready yet",
  outdated = "Waiting for promotion strategy spec update to be observed",
  fail = "Promotion strategy reconciliation failed", unknown = "Promotion strategy readiness unknown",
})
if v then return v end

local function short(sha) return sha and sha:sub(1, 7) or "unknown" end
local function dry_sha(side)
  return type(side) == "table" and type(side.dry) == "table" and h.text(side.dry.sha) or nil
end
local function summary(list)
  local n, pending, failed = { pending = 0, success = 0, failure = 0 }, {}, {}
  for _, c in ipairs(type(list) == "table" and list or {}) do
    if type(c) == "table" then
      local key = h.text(c.key) or "?"
      if c.phase == "success" then n.success = n.success + 1
      elseif c.phase == "failure" then n.failure = n.failure + 1; failed[#failed + 1] = key
      else n.pending = n.pending + 1; pending[#pending + 1] = key end
    end
  end
  local out = string.format("%d pending, %d successful, %d failed. ", n.pending, n.success, n.failure)
  if #pending > 0 then out = out .. "Pending commit statuses: " .. table.concat(pending, ", ") .. ". " end
  if #failed > 0 then out = out .. "Failed commit statuses: " .. table.concat(failed, ", ") .. ". " end
  return out
end

local envs = {}
for _, e in ipairs(type(s.environments) == "table" and s.environments or {}) do
  if type(e) == "table" then
    local proposed = type(e.proposed) == "table" and e.proposed or {}
    local note = type(proposed.note) == "table" and h.text(proposed.note.drySha) or nil
    envs[#envs + 1] = {
      branch = h.text(e.branch) or "?", active = dry_sha(e.active), proposed = dry_sha(proposed),
      statuses = proposed.commitStatuses, hydrated = note or dry_sha(proposed),
    }
  end
end
if #envs == 0 then
  return h.progressing("Waiting for environments to be reported")
end

-- The hydrator must have produced the same DRY commit for every environment.
for _, e in ipairs(envs) do
  if e.hydrated ~= envs[1].hydrated then
    return h.progressing("Not all environments have the same proposed commit SHA. This likely means the hydrator has not run for all environments yet.")
  end
end
for _, e in ipairs(envs) do
  if e.active ~= e.proposed then
    return h.progressing(string.format("Promotion in progress for environment '%s' from '%s' to '%s': %sHydrator has processed dry commit '%s'. ",
      e.branch, short(e.active), short(e.proposed), summary(e.statuses), short(e.hydrated)))
  end
end
return h.healthy(string.format("All environments are up-to-date on commit '%s'. Hydrator has processed dry commit '%s'.",
  short(envs[1].active), short(envs[1].hydrated)))
