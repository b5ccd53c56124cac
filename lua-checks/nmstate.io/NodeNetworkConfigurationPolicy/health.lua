-- kubernetes-nmstate NodeNetworkConfigurationPolicy. The handler rolls the per-node enactments up
-- into Available, Degraded and Progressing conditions, plus Ignored when no node matches the
-- policy's nodeSelector (nothing to do: Suspended). The message is "<reason>: <message>".
local h = require("herald")
local c = h.by_type(obj)

-- The first of these conditions that is True decides, with "<reason>: <message>".
local order = {
  { "Degraded", h.degraded }, { "Ignored", h.suspended }, { "Progressing", h.progressing },
  { "Available", h.healthy },
}
for _, rule in ipairs(order) do
  local cond = c[rule[1]]
  if h.is(cond, "True") then
    local reason, message = h.text(cond.reason), h.text(cond.message)
    return rule[2](reason and message and (reason .. ": " .. message) or reason or message or "")
  end
end
return h.progressing("Waiting for policy to be applied")
