-- GitOps Promoter CommitStatus: one status (pending/success/failure) published on a commit.
-- The object is healthy once Ready (it faithfully reports whatever phase it carries); Ready=False
-- is Degraded; deletion, missing status and an unobserved spec are Progressing.
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
  name = "Commit status", init = "Initializing commit status",
  missing = "Commit status is not ready yet",
  outdated = "Waiting for commit status spec update to be observed",
  fail = "Commit status reconciliation failed", unknown = "Commit status readiness unknown",
})
if v then return v end
local sha, phase = h.text(s.sha), h.text(s.phase)
if sha and phase then
  return h.healthy(string.format("Commit status for commit %s reports %s", sha, phase))
end
return h.healthy("Commit status is ready")
