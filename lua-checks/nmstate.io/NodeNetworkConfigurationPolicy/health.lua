-- kubernetes-nmstate NodeNetworkConfigurationPolicy. The handler rolls the per-node enactments up
-- into Available, Degraded and Progressing conditions (reasons SuccessfullyConfigured,
-- FailedToConfigure, ConfigurationProgressing, NoMatchingNode), plus, in recent releases, Ignored
-- when no node matches the policy's nodeSelector. The message is "<reason>: <message>".
--   Degraded True (FailedToConfigure)            -> Degraded
--   Ignored True, or Available True with reason
--   NoMatchingNode (how older releases say it)   -> Suspended (no node to configure)
--   Progressing True                             -> Progressing
--   Available True                               -> Healthy
--   Available Unknown (older releases report
--   progress this way, without Progressing)      -> Progressing
--   no conditions                                -> Progressing
local h = require("herald")
local c = h.by_type(obj)

local function said(cond)
  local reason, message = h.text(cond.reason), h.text(cond.message)
  return reason and message and (reason .. ": " .. message) or reason or message or ""
end

if h.is(c.Degraded, "True") then
  return h.degraded(said(c.Degraded))
end
if h.is(c.Ignored, "True") then
  return h.suspended(said(c.Ignored))
end
if h.is(c.Available, "True") and c.Available.reason == "NoMatchingNode" then
  return h.suspended(said(c.Available))
end
if h.is(c.Progressing, "True") then
  return h.progressing(said(c.Progressing))
end
if h.is(c.Available, "True") then
  return h.healthy(said(c.Available))
end
if h.is(c.Available, "Unknown") and h.text(c.Available.reason) then
  return h.progressing(said(c.Available))
end
return h.progressing("Waiting for policy to be applied")
