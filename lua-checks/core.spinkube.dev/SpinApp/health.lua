-- SpinKube SpinApp. The operator mirrors its Deployment's Available and Progressing conditions
-- and counts status.readyReplicas. A rollout in flight (Progressing=True) is progressing, lost
-- availability is degraded, otherwise the app is healthy with its ready replica count.
local h = require("herald")
if obj.status == nil then
  return h.progressing("Waiting for status to be available")
end
local c = h.by_type(obj)
if h.is(c.Progressing, "True") then
  return h.progressing(h.explain(c.Progressing, "Rollout in progress"))
elseif h.is(c.Available, "False") then
  return h.degraded(h.explain(c.Available, "Application is not available"))
elseif not h.is(c.Available, "True") then
  return h.progressing("Waiting for the application to become available")
end
local ready = h.num(h.status(obj).readyReplicas)
local wanted = h.num(h.spec(obj).replicas, ready)
return h.healthy(string.format("Application is healthy with %d/%d replicas ready", ready, wanted))
