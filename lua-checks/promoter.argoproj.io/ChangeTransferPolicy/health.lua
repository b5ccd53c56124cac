-- GitOps Promoter ChangeTransferPolicy: moves hydrated changes from a proposed branch to an
-- active branch. Ready decides failures; once ready, missing DRY SHAs or a pending promotion are
-- Progressing, and an up-to-date environment is Healthy (noting any unsuccessful active checks).
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
  name = "Change transfer policy", init = "Initializing change transfer policy",
  missing = "Change transfer policy is not ready yet",
  outdated = "Waiting for change transfer policy spec update to be observed",
  fail = "Change transfer policy reconciliation failed", unknown = "Change transfer policy readiness unknown",
  finalizers = {
    ["changetransferpolicy.promoter.argoproj.io/finalizer"] = "Waiting to clear related PullRequest finalizers and finish cleanup before this policy is removed. Risk if removed manually: The 'changetransferpolicy.promoter.argoproj.io/pullrequest-finalizer' finalizer may not be cleaned up from PullRequests owned by this ChangeTransferPolicy.",
  },
})
if v then return v end

local function side(name)
  local t = type(s[name]) == "table" and s[name] or {}
  local dry = type(t.dry) == "table" and t.dry or {}
  local statuses = type(t.commitStatuses) == "table" and t.commitStatuses or {}
  return h.text(dry.sha), statuses
end
local active, active_statuses = side("active")
local proposed, proposed_statuses = side("proposed")
if active == nil then
  return h.progressing("The active commit DRY SHA is missing or empty.")
end
if proposed == nil then
  return h.progressing("The proposed commit DRY SHA is missing or empty.")
end

local function summary(list)
  local n, pending, failed = { pending = 0, success = 0, failure = 0 }, {}, {}
  for _, c in ipairs(list) do
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
  return out, n.pending + n.failure
end

if active ~= proposed then
  local text = summary(proposed_statuses)
  return h.progressing(string.format("Promotion in progress from '%s' to '%s': %s", active:sub(1, 7), proposed:sub(1, 7), text))
end
local text, unsuccessful = summary(active_statuses)
if unsuccessful > 0 then
  return h.healthy("Environment is up-to-date, but there are non-successful active commit statuses: " .. text)
end
return h.healthy(string.format("Environment is up-to-date on commit '%s'.", active:sub(1, 7)))
