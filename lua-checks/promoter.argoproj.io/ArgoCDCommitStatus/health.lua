-- GitOps Promoter ArgoCDCommitStatus: publishes commit statuses from the health of selected
-- Argo CD Applications. Its own health is its Ready condition (deletion and unobserved specs are
-- Progressing); the phases it reports are data for promotions, not the object's health.
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
  name = "Argo CD commit status", init = "Initializing Argo CD commit status",
  missing = "Argo CD commit status is not ready yet",
  outdated = "Waiting for Argo CD commit status spec update to be observed",
  fail = "Argo CD commit status reconciliation failed", unknown = "Argo CD commit status readiness unknown",
})
if v then return v end
local apps = type(s.applicationsSelected) == "table" and #s.applicationsSelected or 0
return h.healthy(string.format("Argo CD commit status is healthy and is tracking %d applications", apps))
