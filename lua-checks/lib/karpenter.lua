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

-- NodeClaim: deletion is Progressing; a step (Launched, Registered, Initialized) False is
-- Degraded; a launch Karpenter tried and failed (Launched=Unknown, reason LaunchFailed: it keeps
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
  for i, step in ipairs(STEPS) do
    if h.is(c[step], "False") then
      return h.degraded(M.explain(c[step]))
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
  if h.is(c.Ready, "False") then
    return h.degraded(M.explain(c.Ready))
  end
  return h.progressing(WAITING[reached])
end

-- NodePool: Ready=False is Degraded (explained by the first other False condition when Ready
-- has no message); NodeRegistrationHealthy=False is Degraded; Ready=True is Healthy.
function M.node_pool(o)
  local c = M.conditions(o)
  local ready = c.Ready
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
