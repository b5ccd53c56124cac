-- kubernetes-nmstate NodeNetworkConfigurationPolicy. The handler rolls the per-node enactments up
-- into Available, Degraded and Progressing conditions, plus Ignored when no node matches the
-- policy's nodeSelector (nothing to do: Suspended). The message is "<reason>: <message>".
local h = require("herald")
local c = h.by_type(obj)

local function say(cond)
  local reason, message = h.text(cond.reason), h.text(cond.message)
  if reason and message then
    return reason .. ": " .. message
  end
  return reason or message or ""
end

if h.is(c.Degraded, "True") then
  return h.degraded(say(c.Degraded))
end
if h.is(c.Ignored, "True") then
  return h.suspended(say(c.Ignored))
end
if h.is(c.Progressing, "True") then
  return h.progressing(say(c.Progressing))
end
if h.is(c.Available, "True") then
  return h.healthy(say(c.Available))
end
return h.progressing("Waiting for policy to be applied")
