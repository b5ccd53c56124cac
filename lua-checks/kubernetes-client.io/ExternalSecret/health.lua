-- kubernetes-external-secrets writes status.status: "SUCCESS" after it fetched the secret from the
-- backend and wrote the Kubernetes Secret, or "ERROR, <reason>" when fetching failed.
-- Until the controller has seen the current spec, the secret is still being fetched.
local h = require("herald")
local s = h.status(obj)
local state = h.text(s.status)

if state == nil or h.generation_lags(obj) then
  return h.progressing("Waiting for ExternalSecret to be fetched")
end
if state == "SUCCESS" then
  return h.healthy("Fetched ExternalSecret.")
end
if string.sub(state, 1, 5) == "ERROR" then
  return h.degraded(state)
end
return h.progressing(state)
