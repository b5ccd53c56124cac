-- Kubernetes Gateway API (gateway.networking.k8s.io): GatewayClass, Gateway, the routes and the
-- policies all report conditions (Accepted, ResolvedRefs, Programmed...) that carry an
-- observedGeneration; routes per parent Gateway, policies per ancestor, Gateways per listener.
-- `local gw = require("gateway_api")`, then gw.route(obj, kind), gw.policy(obj, kind),
-- gw.gateway(obj) or gw.gateway_class(obj).
local h = require("herald")

local M = {}

-- A string, or "" for anything else.
local function str(v)
  if type(v) == "string" then
    return v
  end
  return ""
end

-- Joins messages with "; ", dropping repeats.
function M.join_unique(lines)
  local out, seen = {}, {}
  for _, line in ipairs(lines) do
    if not seen[line] then
      seen[line] = true
      out[#out + 1] = line
    end
  end
  return table.concat(out, "; ")
end

-- The condition's message, else `prefix` followed by its type.
function M.describe(c, prefix)
  return h.text(c.message) or (prefix .. str(c.type))
end

-- Sums up one verdict per entry of status[list_key] (status.parents of a route, status.ancestors
-- of a policy). judge(o, entry) returns a status word and a message, or nil when the entry has
-- nothing current to say; each message is prefixed with `label` and the entry's ref name. With
-- `stale_waits`, an entry that has conditions but only ones older than metadata.generation is
-- Progressing (its controller has not processed the current spec yet); without it, such an entry
-- is left out. Any Degraded entry wins, then any Progressing one; no judged entry at all is still
-- waiting.
local function per_entry(o, kind, list_key, ref_key, label, judge, stale_waits)
  local degraded, progressing = {}, {}
  local judged = 0
  for _, entry in ipairs(h.list(h.status(o)[list_key])) do
    if type(entry) == "table" then
      local verdict, msg = judge(o, entry)
      local name = str(h.field(entry[ref_key], "name"))
      if verdict == nil and stale_waits and #h.list(entry.conditions) > 0 then
        judged = judged + 1
        progressing[#progressing + 1] = "Waiting for " .. label .. " " .. name .. " to update "
          .. kind .. " status"
      elseif verdict ~= nil then
        judged = judged + 1
        local line = label .. " " .. name .. ": " .. msg
        if verdict == "Degraded" then
          degraded[#degraded + 1] = line
        elseif verdict == "Progressing" then
          progressing[#progressing + 1] = line
        end
      end
    end
  end
  if #degraded > 0 then
    return h.degraded(M.join_unique(degraded))
  end
  if #progressing > 0 then
    return h.progressing(M.join_unique(progressing))
  end
  if judged == 0 then
    return h.progressing("Waiting for " .. kind .. " status")
  end
  return h.healthy(kind .. " is healthy")
end

-- ---------------------------------------------------------------------------------------------
-- Routes (HTTPRoute, GRPCRoute...): one entry per parent in status.parents.

-- For each condition type of a parent entry: the status that is good, and whether any other
-- status (other than Unknown or reason Pending) is a failure or only "not yet".
local ROUTE_RULES = {
  Accepted = { good = "True", failure = true },
  ResolvedRefs = { good = "True", failure = true },
  PartiallyInvalid = { good = "False", failure = true },
  Programmed = { good = "True", failure = false },
}

-- One parent entry: its conditions older than metadata.generation are left out; none left is
-- nil. The first failing rule is Degraded, else the first unmet one Progressing, else it needs
-- Accepted=True to be Healthy.
local function judge_parent(o, entry)
  local fresh = {}
  for _, c in ipairs(h.list(entry.conditions)) do
    if type(c) == "table" and not h.condition_lags(o, c) then
      fresh[#fresh + 1] = c
    end
  end
  if #fresh == 0 then
    return nil
  end
  local waiting, accepted = nil, false
  for _, c in ipairs(fresh) do
    local rule = ROUTE_RULES[c.type]
    if rule ~= nil and c.status ~= rule.good then
      local pending = c.status == "Unknown" or c.reason == "Pending"
      if rule.failure and not pending then
        return "Degraded", M.describe(c, "Failed condition: ")
      end
      waiting = waiting or M.describe(c, "Waiting for condition: ")
    end
    if c.type == "Accepted" and c.status == "True" then
      accepted = true
    end
  end
  if waiting ~= nil then
    return "Progressing", waiting
  end
  if not accepted then
    return "Progressing", "Waiting for condition: Accepted"
  end
  return "Healthy", ""
end

function M.route(o, kind)
  return per_entry(o, kind, "parents", "parentRef", "Parent", judge_parent)
end

-- ---------------------------------------------------------------------------------------------
-- Policies (BackendTLSPolicy...): one entry per ancestor in status.ancestors.

-- Accepted is every policy's condition (PolicyAncestorStatus); ResolvedRefs came with
-- BackendTLSPolicy v1 (Gateway API 1.4: reasons ResolvedRefs, InvalidCACertificateRef,
-- InvalidKind), so implementations of the v1alpha2/v1alpha3 API only ever write Accepted.
local POLICY_REQUIRED = { "Accepted" }
local POLICY_OPTIONAL = { "ResolvedRefs" }

-- One ancestor entry: its current conditions (typed, not older than metadata.generation; the
-- last of a type wins), none is nil. Accepted must be True and ResolvedRefs, where written,
-- too: another status is Degraded, unless Unknown or reason Pending (Progressing, as is a
-- missing Accepted).
local function judge_ancestor(o, entry)
  local by, count = {}, 0
  for _, c in ipairs(h.list(entry.conditions)) do
    if type(c) == "table" and type(c.type) == "string" and not h.condition_lags(o, c) then
      by[c.type] = c
      count = count + 1
    end
  end
  if count == 0 then
    return nil
  end
  local waiting = nil
  local checks = {}
  for _, kind in ipairs(POLICY_REQUIRED) do
    checks[#checks + 1] = { kind, true }
  end
  for _, kind in ipairs(POLICY_OPTIONAL) do
    checks[#checks + 1] = { kind, false }
  end
  for _, check in ipairs(checks) do
    local kind, required = check[1], check[2]
    local c = by[kind]
    if c == nil then
      if required then
        waiting = waiting or ("Waiting for condition: " .. kind)
      end
    elseif c.status ~= "True" then
      if c.status == "Unknown" or c.reason == "Pending" then
        waiting = waiting or M.describe(c, "Waiting for condition: ")
      else
        return "Degraded", M.describe(c, "Failed condition: ")
      end
    end
  end
  if waiting ~= nil then
    return "Progressing", waiting
  end
  return "Healthy", ""
end

-- An ancestor whose conditions are all older than metadata.generation has not applied the
-- current policy yet: the policy waits for it, even when other ancestors are current.
function M.policy(o, kind)
  return per_entry(o, kind, "ancestors", "ancestorRef", "Ancestor", judge_ancestor, true)
end

-- ---------------------------------------------------------------------------------------------
-- Gateway: its own conditions and those of each listener in status.listeners.

local GATEWAY_WAITING = "Waiting for Gateway status"

-- Programmed=False reasons that are not going to fix themselves.
local PROGRAMMED_FAILURES = { Invalid = true, NoResources = true, AddressNotUsable = true }

-- One condition of a Gateway or a listener: "ok", "failed" or "waiting". Conflicted=True
-- fails; Accepted, ResolvedRefs and Programmed other than True wait when Unknown or Pending
-- (Programmed also for a reason not in PROGRAMMED_FAILURES) and fail otherwise. Other types
-- are "ok".
local function classify(c)
  local t, s = c.type, c.status
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
  if s == "Unknown" or c.reason == "Pending" then
    return "waiting"
  end
  if t == "Programmed" and not PROGRAMMED_FAILURES[c.reason] then
    return "waiting"
  end
  return "failed"
end

-- Sorts the current conditions of a Gateway or listener into the failed and waiting lists,
-- each message prefixed with `prefix`. Returns the set of condition types that are True and
-- the set of types present.
local function scan(o, conditions, prefix, failed, waiting)
  local truthy, seen = {}, {}
  for _, c in ipairs(h.list(conditions)) do
    if type(c) == "table" and not h.condition_lags(o, c) then
      local verdict = classify(c)
      if verdict == "failed" then
        failed[#failed + 1] = prefix .. M.describe(c, "Failed condition: ")
      elseif verdict == "waiting" then
        waiting[#waiting + 1] = prefix .. M.describe(c, "Waiting for condition: ")
      end
      if type(c.type) == "string" then
        seen[c.type] = true
        truthy[c.type] = truthy[c.type] or c.status == "True"
      end
    end
  end
  return truthy, seen
end

-- Healthy when Accepted and Programmed are True and every listener is usable. Any failed
-- condition (Gateway or listener) is Degraded; then waiting Gateway conditions, then waiting
-- listeners (a reported listener must end up Programmed) are Progressing. No conditions, or an
-- Accepted/Programmed condition older than metadata.generation, is still waiting for status.
function M.gateway(o)
  local status = o and o.status
  if type(status) ~= "table" or #h.list(status.conditions) == 0 then
    return h.progressing(GATEWAY_WAITING)
  end
  for _, c in ipairs(status.conditions) do
    if type(c) == "table" and (c.type == "Accepted" or c.type == "Programmed") and h.condition_lags(o, c) then
      return h.progressing(GATEWAY_WAITING)
    end
  end

  local failed, waiting, listener_waiting = {}, {}, {}
  local gateway_true = scan(o, status.conditions, "", failed, waiting)
  for _, listener in ipairs(h.list(status.listeners)) do
    if type(listener) == "table" then
      local prefix = "Listener " .. str(listener.name) .. ": "
      local _, seen = scan(o, listener.conditions, prefix, failed, listener_waiting)
      if next(seen) ~= nil and not seen["Programmed"] then
        listener_waiting[#listener_waiting + 1] = prefix .. "Waiting for condition: Programmed"
      end
    end
  end

  if #failed > 0 then
    return h.degraded(M.join_unique(failed))
  end
  if #waiting > 0 then
    return h.progressing(M.join_unique(waiting))
  end
  if #listener_waiting > 0 then
    return h.progressing(M.join_unique(listener_waiting))
  end
  if not gateway_true["Accepted"] then
    return h.progressing("Waiting for condition: Accepted")
  end
  if not gateway_true["Programmed"] then
    return h.progressing("Waiting for condition: Programmed")
  end
  return h.healthy("Gateway is healthy")
end

-- ---------------------------------------------------------------------------------------------
-- GatewayClass: claimed by its controller with Accepted=True.

local CLASS_WAITING = "Waiting for GatewayClass status"

-- No Accepted condition, or one older than metadata.generation, is still waiting. A current
-- SupportedVersion=False is Degraded; then Accepted True is Healthy, False (not Pending)
-- Degraded, anything else Progressing.
function M.gateway_class(o)
  local accepted = h.condition(o, "Accepted")
  if accepted == nil or h.condition_lags(o, accepted) then
    return h.progressing(CLASS_WAITING)
  end
  local version = h.condition(o, "SupportedVersion")
  if version ~= nil and version.status == "False" and not h.condition_lags(o, version) then
    return h.degraded(h.text(version.message) or "GatewayClass CRD version is not supported")
  end
  if accepted.status == "True" then
    return h.healthy("GatewayClass has been accepted")
  end
  if accepted.status == "False" and accepted.reason ~= "Pending" then
    return h.degraded(h.text(accepted.message) or "GatewayClass has not been accepted")
  end
  return h.progressing(h.text(accepted.message) or CLASS_WAITING)
end

return M
