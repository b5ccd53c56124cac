-- GitOps Promoter (promoter.argoproj.io): every kind shares one gate on its Ready condition
-- (deletion with finalizer notes, no status, no Ready, an unobserved spec, Ready not True);
-- once Ready is True the kind judges what it tracks (commit statuses, environments, a PR...).
-- `require("promoter").health(obj, words, after)`.
local h = require("herald")

local M = {}

-- The shared gate. `p` names the kind's messages: name, init, missing, outdated, fail,
-- notready (optional, defaults to fail), unknown, and finalizers ({finalizer = note}) that
-- explain a deletion. Returns a verdict, or nil when Ready is True.
function M.gate(o, p)
  if h.deleting(o) then
    local notes = {}
    for _, f in ipairs(h.list(h.get(o, "metadata", "finalizers"))) do
      local note = p.finalizers and p.finalizers[f]
      if note then
        notes[#notes + 1] = f .. ": " .. note
      end
    end
    local msg = p.name .. " is being deleted"
    return h.progressing(#notes > 0 and (msg .. ". " .. table.concat(notes, " ")) or msg)
  end
  if #h.conditions(o) == 0 then
    return h.progressing(p.init)
  end
  local ready = h.condition(o, "Ready")
  if ready == nil then
    return h.progressing(p.missing)
  end
  if h.condition_lags(o, ready) then
    return h.progressing(p.outdated)
  end
  if h.is_true(ready) then
    return nil
  end
  local reason, msg = h.text(ready.reason), h.explain(ready, "no details")
  if h.is_false(ready) then
    if reason == nil or reason == "ReconciliationError" then
      return h.degraded(p.fail .. ": " .. msg)
    end
    return h.degraded((p.notready or p.fail) .. " (" .. reason .. "): " .. msg)
  end
  return h.progressing(p.unknown .. " (" .. (reason or "Unknown") .. "): " .. msg)
end

-- The gate, then `after`: a healthy message, or a function of the status table giving a verdict.
function M.health(o, p, after)
  local v = M.gate(o, p)
  if v then
    return v
  end
  if type(after) == "function" then
    return after(h.status(o), o)
  end
  return h.healthy(after)
end

-- Per-environment results in status.environments (gates such as GitCommitStatus): any failure
-- is Degraded, any pending Progressing, all passed (or none) Healthy. `p` has the message
-- stems empty, failed, pending, passed.
function M.environments(p)
  return function(s)
    local envs = h.list(s.environments)
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
end

-- "1 pending, 2 successful, 0 failed. Pending commit statuses: a. " for a list of commit
-- statuses ({key, phase}), and how many of them are not successful.
function M.commit_statuses(list)
  local n, pending, failed = { pending = 0, success = 0, failure = 0 }, {}, {}
  for _, c in ipairs(h.list(list)) do
    if type(c) == "table" then
      local key = h.text(c.key) or "?"
      if c.phase == "success" then
        n.success = n.success + 1
      elseif c.phase == "failure" then
        n.failure = n.failure + 1
        failed[#failed + 1] = key
      else
        n.pending = n.pending + 1
        pending[#pending + 1] = key
      end
    end
  end
  local out = string.format("%d pending, %d successful, %d failed. ", n.pending, n.success, n.failure)
  if #pending > 0 then
    out = out .. "Pending commit statuses: " .. table.concat(pending, ", ") .. ". "
  end
  if #failed > 0 then
    out = out .. "Failed commit statuses: " .. table.concat(failed, ", ") .. ". "
  end
  return out, n.pending + n.failure
end

-- The DRY commit SHA of a branch state ({dry = {sha}}), or nil.
function M.dry_sha(side)
  return h.text(h.get(side, "dry", "sha"))
end

local function short(sha)
  return sha and sha:sub(1, 7) or "unknown"
end

-- ChangeTransferPolicy: the active branch must carry the proposed DRY commit.
function M.change_transfer(s)
  local active, proposed = M.dry_sha(s.active), M.dry_sha(s.proposed)
  if active == nil then
    return h.progressing("The active commit DRY SHA is missing or empty.")
  end
  if proposed == nil then
    return h.progressing("The proposed commit DRY SHA is missing or empty.")
  end
  if active ~= proposed then
    local text = M.commit_statuses(h.get(s, "proposed", "commitStatuses"))
    return h.progressing(string.format("Promotion in progress from '%s' to '%s': %s", short(active), short(proposed), text))
  end
  local text, unsuccessful = M.commit_statuses(h.get(s, "active", "commitStatuses"))
  if unsuccessful > 0 then
    return h.healthy("Environment is up-to-date, but there are non-successful active commit statuses: " .. text)
  end
  return h.healthy(string.format("Environment is up-to-date on commit '%s'.", short(active)))
end

-- PromotionStrategy: every environment hydrated from the same DRY commit and on it. The status
-- lists one entry per environment of the spec, so a spec without environments can never promote
-- (Degraded), while a spec with some not yet listed is waiting. An environment whose active or
-- proposed DRY SHA is not known yet has not been read from git yet (Progressing), not "equal".
function M.promotion(s, o)
  local envs = {}
  for _, e in ipairs(h.list(s.environments)) do
    if type(e) == "table" then
      local proposed = type(e.proposed) == "table" and e.proposed or {}
      envs[#envs + 1] = {
        branch = h.text(e.branch) or "?", active = M.dry_sha(e.active), proposed = M.dry_sha(proposed),
        statuses = proposed.commitStatuses,
        hydrated = h.text(h.get(proposed, "note", "drySha")) or M.dry_sha(proposed),
      }
    end
  end
  if #envs == 0 then
    if o ~= nil and #h.list(h.spec(o).environments) == 0 then
      return h.degraded("Promotion strategy declares no environments (spec.environments is empty)")
    end
    return h.progressing("Waiting for environments to be reported")
  end
  for _, e in ipairs(envs) do
    if e.active == nil then
      return h.progressing(string.format("Environment '%s' has no active DRY commit SHA yet", e.branch))
    elseif e.hydrated == nil then
      return h.progressing(string.format("Environment '%s' has no proposed DRY commit SHA yet", e.branch))
    end
  end
  for _, e in ipairs(envs) do
    if e.hydrated ~= envs[1].hydrated then
      return h.progressing("Not all environments have the same proposed commit SHA. This likely means the hydrator has not run for all environments yet.")
    end
  end
  for _, e in ipairs(envs) do
    if e.active ~= e.proposed then
      return h.progressing(string.format("Promotion in progress for environment '%s' from '%s' to '%s': %sHydrator has processed dry commit '%s'. ",
        e.branch, short(e.active), short(e.proposed), M.commit_statuses(e.statuses), short(e.hydrated)))
    end
  end
  return h.healthy(string.format("All environments are up-to-date on commit '%s'. Hydrator has processed dry commit '%s'.",
    short(envs[1].active), short(envs[1].hydrated)))
end

return M
