-- Any kind of a *.crossplane.io group: managed resources, packages and their revisions,
-- composite resource definitions, compositions, functions... Crossplane's conditions all read
-- "True = good" (Synced, Ready, Installed, Healthy, RevisionHealthy, Established, Offered...).
--   any reason ReconcilePaused             -> Suspended (crossplane.io/paused annotation)
--   a condition False (not Creating/Deleting) -> Degraded
--   a condition Unknown, or Creating/Deleting -> Progressing
--   all conditions True                    -> Healthy
--   no conditions: a kind the controllers reconcile (managed resource, package, revision, XRD)
--   is waiting for its first status -> Progressing; a pure definition (Composition,
--   DeploymentRuntimeConfig, EnvironmentConfig...) has no status by design -> Healthy.
-- Messages list the conditions' reasons in the order kubectl shows them.

local UP_TO_DATE = "Resource is up-to-date."

-- Position of well-known condition types in `kubectl get` output; others follow, in object order.
local COLUMN = {
  Installed = 1, Healthy = 2,
  Synced = 1, Ready = 2,
  Established = 1, Offered = 2,
}
local TRANSITIONAL = { Creating = true, Deleting = true }

local function reconciled_kind(spec)
  return spec ~= nil and (spec.forProvider ~= nil or spec.package ~= nil
    or spec.image ~= nil or spec.names ~= nil)
end

local function sorted_conditions(list)
  local out = {}
  for i, c in ipairs(list) do
    out[#out + 1] = { c = c, rank = COLUMN[c.type] or 10, pos = i }
  end
  table.sort(out, function(a, b)
    if a.rank ~= b.rank then
      return a.rank < b.rank
    end
    return a.pos < b.pos
  end)
  return out
end

-- The reasons of the conditions; a condition without a reason that is not True shows as
-- "<type>=<status>" so that a problem never goes unnamed.
local function reasons(entries)
  local words = {}
  for _, e in ipairs(entries) do
    local c = e.c
    if c.reason and c.reason ~= "" then
      words[#words + 1] = c.reason
    elseif c.status ~= "True" then
      words[#words + 1] = (c.type or "condition") .. "=" .. (c.status or "Unknown")
    end
  end
  return table.concat(words, " ")
end

local conditions = obj.status and obj.status.conditions
if conditions == nil or #conditions == 0 then
  if reconciled_kind(obj.spec) then
    return { status = "Progressing", message = "Waiting for the resource to be reconciled" }
  end
  return { status = "Healthy", message = UP_TO_DATE }
end

local entries = sorted_conditions(conditions)
local paused, failed, pending = false, false, false
for _, e in ipairs(entries) do
  local c = e.c
  if c.reason == "ReconcilePaused" then
    paused = true
  elseif c.status == "False" then
    if TRANSITIONAL[c.reason] then
      pending = true
    else
      failed = true
    end
  elseif c.status ~= "True" then
    pending = true
  end
end

if paused then
  return { status = "Suspended", message = reasons(entries) }
end
if failed then
  return { status = "Degraded", message = reasons(entries) }
end
if pending then
  return { status = "Progressing", message = reasons(entries) }
end
return { status = "Healthy", message = UP_TO_DATE }
