-- ApplicationSet (Argo CD): judged by the conditions its controller keeps.
--   ErrorOccurred=True, ParametersGenerated=False or ResourcesUpToDate=False
--                              -> Degraded, with the condition's message
--   ResourcesUpToDate=True     -> healthy; not ready while RolloutProgressing=True (a
--                                 progressive sync is under way), herald's own return form
--   none of these yet          -> Progressing, the controller has not reported
-- ErrorOccurred=False is the normal state and says nothing on its own.
local h = require("herald")
local c = h.by_type(obj)

for _, bad in ipairs({
  { "ErrorOccurred", "True", "ApplicationSet has an error" },
  { "ParametersGenerated", "False", "Parameters could not be generated" },
  { "ResourcesUpToDate", "False", "Applications are not up to date" },
}) do
  if h.is(c[bad[1]], bad[2]) then
    return h.degraded(h.explain(c[bad[1]], bad[3]))
  end
end
if not h.is(c.ResourcesUpToDate, "True") then
  return h.progressing("Waiting for the status to be reported")
elseif h.is(c.RolloutProgressing, "True") then
  return {
    health = "healthy",
    ready = false,
    status = "RolloutProgressing",
    message = h.explain(c.RolloutProgressing, "ApplicationSet rollout is progressing"),
  }
end
return h.healthy(h.explain(c.ResourcesUpToDate, "ApplicationSet is up to date"))
