-- GitOps Promoter TimedCommitStatus: a soak-time gate per environment. Ready decides
-- reconciliation failures; once ready, a failed gate is Degraded, a gate still waiting out its
-- duration is Progressing, and all satisfied (or none to gate) is Healthy.
local promoter = require("promoter")
return promoter.health(obj, {
  name = "TimedCommitStatus", init = "Initializing timed commit gate",
  missing = "TimedCommitStatus Ready condition is missing",
  outdated = "Waiting for TimedCommitStatus spec update to be observed",
  fail = "Timed commit gate failed", notready = "Timed commit gate not ready",
  unknown = "Timed commit gate readiness unknown",
}, promoter.environments({
  empty = "Timed commit gate reconciled", failed = "Timed commit gate failed",
  pending = "Timed commit gate pending", passed = "Timed commit gate satisfied",
}))
