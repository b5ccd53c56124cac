-- GitOps Promoter ArgoCDCommitStatus: publishes commit statuses from the health of selected
-- Argo CD Applications. Its own health is its Ready condition (deletion and unobserved specs are
-- Progressing); the phases it reports are data for promotions, not the object's health. A
-- reconciled one whose selector matches no Application (status.applicationsSelected empty)
-- publishes no argocd-health commit status, so every environment gated on it waits forever:
-- Degraded.
local h = require("herald")
return require("promoter").health(obj, {
  name = "Argo CD commit status", init = "Initializing Argo CD commit status",
  missing = "Argo CD commit status is not ready yet",
  outdated = "Waiting for Argo CD commit status spec update to be observed",
  fail = "Argo CD commit status reconciliation failed", unknown = "Argo CD commit status readiness unknown",
}, function(s)
  local apps = #h.list(s.applicationsSelected)
  if apps == 0 then
    return h.degraded("Argo CD commit status selects no applications: spec.applicationSelector matches none")
  end
  return h.healthy(string.format("Argo CD commit status is healthy and is tracking %d applications", apps))
end)
