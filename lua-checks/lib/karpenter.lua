-- Karpenter (karpenter.sh): NodeClaim and NodePool report their state in conditions read the
-- way Karpenter itself reads them (the last condition of a type wins), and explain a False one
-- by its message, else "<type> is False: <reason>". `require("karpenter").node_claim(obj)`.
local h = require("herald")

local M = {}

-- Conditions indexed by type, the last of each type winning.
function M.conditions(o)
  local found = {}
  for _, c in ipairs(h.conditions(o)) do
    if type(c) == "table" and c.type then
      found[c.type] = c
    end
  end
  return found
end

-- A False condition's message, else "<type> is False" with its reason.
function M.explain(c)
  local reason = h.text(c.reason)
  return h.text(c.message) or (tostring(c.type) .. " is False" .. (reason and (": " .. reason) or ""))
end

local STEPS = { "Launched", "Registered", "Initialized" }
local WAITING = {
  [0] = "Waiting for NodeClaim to be launched",
  [1] = "Node launched, waiting for registration",
  [2] = "Node registered, waiting for initialization",
  [3] = "Node initialized, waiting for Ready",
}

-- Reasons Karpenter writes on a step that is only waiting for the node (v1 writes them with
-- status Unknown; the v1beta1 releases up to v0.37 wrote the same reasons with status False):
-- not failures. lifecycle/registration.go and initialization.go.
M.WAITING_REASONS = {
  NotLaunched = true, NodeNotFound = true, NodeNotReady = true, StartupTaintsExist = true,
  KnownEphemeralTaintsExist = true, ResourceNotRegistered = true, RegistrationHookPending = true,
  DRADriverPoolsNotPublished = true,
}

-- Whether a step condition reports a failure: False with a reason other than a wait.
local function step_failed(c)
  return h.is(c, "False") and not M.WAITING_REASONS[c.reason]
end

-- NodeClaim: deletion is Progressing; a step (Launched, Registered, Initialized) False is
-- Degraded, unless its reason is one of the waits above (older releases); a launch Karpenter tried and failed (Launched=Unknown, reason LaunchFailed: it keeps
-- retrying, but the claim is not merely waiting) is Degraded; Ready=True is Healthy; Ready=False
-- is Degraded (Karpenter sets it only when a step is False); DisruptionReason=True (Karpenter's
-- disruption queue has tainted the node to drain and replace it: drift, consolidation) is
-- Progressing, ahead of Ready; otherwise Progressing, naming the last step reached.
function M.node_claim(o)
  if h.get(o, "metadata", "deletionTimestamp") then
    return h.progressing("NodeClaim is being deleted")
  end
  local c = M.conditions(o)
  local reached = 0
  local waiting_step = nil
  for i, step in ipairs(STEPS) do
    if step_failed(c[step]) then
      return h.degraded(M.explain(c[step]))
    end
    if waiting_step == nil and h.is(c[step], "False") then
      waiting_step = c[step]
    end
    if h.is(c[step], "True") and reached == i - 1 then
      reached = i
    end
  end
  local launch = c.Launched
  if reached == 0 and h.is(launch, "Unknown") and launch.reason == "LaunchFailed" then
    return h.degraded(h.text(launch.message) or "Launching the instance failed; Karpenter is retrying")
  end
  local disruption = c.DisruptionReason
  if h.is(disruption, "True") then
    local why = h.text(disruption.message) or h.text(disruption.reason)
    return h.progressing("Karpenter is disrupting the node" .. (why and (": " .. why) or ""))
  end
  if h.is(c.Ready, "True") then
    local node = h.status(o).nodeName
    return h.healthy(node and ("Node " .. tostring(node) .. " is ready") or "Node is ready")
  end
  if h.is(c.Ready, "False") and waiting_step == nil then
    return h.degraded(M.explain(c.Ready))
  end
  if waiting_step ~= nil and h.text(waiting_step.message) then
    return h.progressing(WAITING[reached] .. ": " .. waiting_step.message)
  end
  return h.progressing(WAITING[reached])
end

-- NodePool: Ready=False is Degraded (explained by the first other False condition when Ready
-- has no message), except when its only cause is NodeClassReady=False with reason
-- NodeClassReadinessUnknown (the readiness controller's wait while the NodeClass's own Ready is
-- still Unknown): Progressing; NodeRegistrationHealthy=False is Degraded; Ready=True is Healthy.
function M.node_pool(o)
  local c = M.conditions(o)
  local ready = c.Ready
  local class = c.NodeClassReady
  if h.is(ready, "False") and h.is(class, "False") and class.reason == "NodeClassReadinessUnknown"
    and not h.is(c.ValidationSucceeded, "False") then
    return h.progressing("Waiting for the NodeClass to be resolved: " .. M.explain(class))
  end
  if h.is(ready, "False") then
    if h.text(ready.message) then
      return h.degraded(ready.message)
    end
    local cause = ready
    for _, d in ipairs(h.conditions(o)) do
      if type(d) == "table" and d.type ~= "Ready" and d.status == "False" then
        cause = d
        break
      end
    end
    return h.degraded(M.explain(cause))
  end
  if h.is(c.NodeRegistrationHealthy, "False") then
    return h.degraded(M.explain(c.NodeRegistrationHealthy))
  end
  if h.is(ready, "True") then
    return h.healthy("NodePool is ready")
  end
  return h.progressing(ready and h.text(ready.message) or "Waiting for NodePool to be ready")
end

return M
