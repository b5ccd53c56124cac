-- Atlas operator AtlasMigration. The Ready condition says whether the migration directory was
-- applied; its reason names the phase (Applied, Reconciling, Migrating...). Ready=False while
-- reconciling is progress; Ready=False in any other phase is a failure.
local h = require("herald")
local c = h.condition(obj, "Ready")
if c == nil then
  return h.progressing("Waiting for the Atlas operator")
end
local reason = h.text(c.reason) or h.text(c.message) or ""
if c.status == "True" then
  return h.healthy(reason)
elseif c.status == "False" and reason ~= "Reconciling" then
  return h.degraded(reason)
end
return h.progressing(reason)
