-- GitOps Promoter PullRequest: a PR opened on the SCM for a promotion. Ready decides; once
-- ready the message names the PR and its state. Deletion (with finalizer notes) is Progressing.
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
  name = "Pull request", init = "Initializing pull request",
  missing = "Pull request is not ready yet",
  outdated = "Waiting for pull request spec update to be observed",
  fail = "Pull request reconciliation failed", unknown = "Pull request readiness unknown",
  finalizers = {
    ["pullrequest.promoter.argoproj.io/finalizer"] = "Waiting for SCM closure or reconciliation of the pull request. Risk if removed manually: the real PR can stay open after the CR is gone.",
    ["changetransferpolicy.promoter.argoproj.io/pullrequest-finalizer"] = "Waiting for the ChangeTransferPolicy to observe PR identity and state. Risk if removed manually: promotion status or history can be wrong or racy.",
  },
})
if v then return v end
local id, state = h.text(tostring(s.id or "")), h.text(s.state)
if id and state then
  return h.healthy(string.format("Pull request is %s as PR %s", state, id))
end
return h.healthy("Pull request is healthy")
