-- Karpenter NodeClaim. A claim goes through three steps, each with a condition: Launched (the
-- cloud instance exists), Registered (its Node joined the cluster) and Initialized (the Node is
-- ready and its resources registered); Ready sums them up.
--   being deleted               -> Progressing
--   a step False                -> Degraded (launch or registration failed)
--   Ready=True                  -> Healthy
--   otherwise                   -> Progressing, naming the last step reached

local STEPS = { "Launched", "Registered", "Initialized" }
local WAITING = {
  [0] = "Waiting for NodeClaim to be launched",
  [1] = "Node launched, waiting for registration",
  [2] = "Node registered, waiting for initialization",
  [3] = "Node initialized, waiting for Ready",
}

local function by_type(status)
  local found = {}
  if status and status.conditions then
    for _, c in ipairs(status.conditions) do
      if c.type then
        found[c.type] = c
      end
    end
  end
  return found
end

local function explain(c)
  if c.message and c.message ~= "" then
    return c.message
  end
  return c.type .. " is False" .. (c.reason and c.reason ~= "" and (": " .. c.reason) or "")
end

local conditions = by_type(obj.status)

if obj.metadata and obj.metadata.deletionTimestamp then
  return { status = "Progressing", message = "NodeClaim is being deleted" }
end

local reached = 0
for i, step in ipairs(STEPS) do
  local c = conditions[step]
  if c and c.status == "False" then
    return { status = "Degraded", message = explain(c) }
  end
  if c and c.status == "True" and reached == i - 1 then
    reached = i
  end
end

local ready = conditions["Ready"]
if ready and ready.status == "True" then
  local node = obj.status.nodeName
  return { status = "Healthy", message = node and ("Node " .. node .. " is ready") or "Node is ready" }
end
if ready and ready.status == "False" and reached == #STEPS then
  return { status = "Degraded", message = explain(ready) }
end
return { status = "Progressing", message = WAITING[reached] }
