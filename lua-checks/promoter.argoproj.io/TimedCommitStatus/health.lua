-- GitOps Promoter TimedCommitStatus: a soak-time gate per environment. Ready decides
-- reconciliation failures; once ready, a failed gate is Degraded, a gate still waiting out its
-- duration is Progressing, and all satisfied (or none to gate) is Healthy.
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

-- Per-environment results in status.environments: any failure is Degraded, any pending Progressing.
local function environments(p)
  local envs = type(s.environments) == "table" and s.environments or {}
  local failed, pending = {}, {}
  for _, e in ipairs(envs) do
    if type(e) == "table" then
      local branch = h.text(e.branch) or "?"
      if e.phase == "failure" then
        failed[#failed + 1] = branch
      elseif e.phase ~= "success" then
        pending[#pending + 1] = branch
      end
    end
  end
  if #envs == 0 then
    return h.healthy(p.empty)
  end
  if #failed > 0 then
    return h.degraded(p.failed .. " for branch(es): " .. table.concat(failed, ", "))
  end
  if #pending > 0 then
    return h.progressing(p.pending .. " for branch(es): " .. table.concat(pending, ", "))
  end
  return h.healthy(string.format("%s for %d environment(s)", p.passed, #envs))
end

local v = gate({
  name = "TimedCommitStatus", init = "Initializing timed commit gate",
  missing = "TimedCommitStatus Ready condition is missing",
  outdated = "Waiting for TimedCommitStatus spec update to be observed",
  fail = "Timed commit gate failed", notready = "Timed commit gate not ready",
  unknown = "Timed commit gate readiness unknown",
})
if v then return v end
return environments({
  empty = "Timed commit gate reconciled", failed = "Timed commit gate failed",
  pending = "Timed commit gate pending", passed = "Timed commit gate satisfied",
})
