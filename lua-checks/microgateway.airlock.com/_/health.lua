-- Airlock Microgateway policies (any kind in the group) follow Gateway API policy status: one
-- entry per ancestor (Gateway) in status.ancestors, each with an Accepted condition. The policy is
-- Healthy when every ancestor accepted it, Degraded when an ancestor rejected it (Accepted False:
-- Conflicted, Invalid, TargetNotFound, ...), reports no acceptance or a ResolvedRefs=False (a
-- referenced configuration kind is missing), and Progressing while an
-- ancestor says Accepted=False with Gateway API's reason Pending or has not reported on the
-- current generation.
-- Only the policy kinds (…Policy: ContentSecurityPolicy, AccessControlPolicy, ...) attach to
-- Gateway API objects and get a status; the other kinds (DenyRules, Parser, Limits,
-- HeaderRewrites, OIDCRelyingParty, ...) are configuration that a policy references, have no
-- status of their own and are Healthy once they exist (the referencing policy reports problems).
local h = require("herald")
local kind = h.text(obj.kind) or "Policy"
if not string.find(kind, "Policy$") then
  return h.healthy(kind .. " is healthy")
end
local ancestors = h.status(obj).ancestors
local waiting = "Waiting for " .. kind .. " status"

if type(ancestors) ~= "table" or #ancestors == 0 then
  return h.progressing(waiting)
end
local problems, pending = {}, false
for _, a in ipairs(ancestors) do
  if type(a) == "table" then
    local accepted = h.condition_in(a.conditions, "Accepted")
    if accepted ~= nil and accepted.status == "False" and accepted.reason == "Pending" then
      -- Gateway API's Pending reason: not accepted yet, nothing rejected.
      pending = pending or h.explain(accepted, waiting)
    elseif accepted == nil or accepted.status == "False" then
      local name = h.text(h.get(a, "ancestorRef", "name")) or "unknown"
      local why = accepted and h.text(accepted.message) or (kind .. " is not accepted")
      table.insert(problems, "Ancestor " .. name .. ": " .. why)
    elseif h.is(h.condition_in(a.conditions, "ResolvedRefs"), "False") then
      -- Accepted, but a reference it needs (CustomResponse, DenyRules, ...) does not resolve.
      local name = h.text(h.get(a, "ancestorRef", "name")) or "unknown"
      local refs = h.condition_in(a.conditions, "ResolvedRefs")
      local why = h.explain(refs, "references are not resolved")
      table.insert(problems, "Ancestor " .. name .. ": " .. why)
    elseif h.condition_lags(obj, accepted) then
      local name = h.text(h.get(a, "ancestorRef", "name")) or "unknown"
      pending = pending or ("Waiting for Ancestor " .. name .. " to update " .. kind .. " status")
    elseif accepted.status ~= "True" then
      pending = pending or waiting
    end
  end
end
if #problems > 0 then
  return h.degraded(table.concat(problems, "; "))
end
if pending then
  return h.progressing(pending)
end
return h.healthy(kind .. " is healthy")
