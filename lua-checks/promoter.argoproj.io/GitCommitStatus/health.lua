-- GitOps Promoter GitCommitStatus: evaluates an expression over commits per environment.
-- Ready decides reconciliation failures; once ready, any environment whose check failed is
-- Degraded, any still pending is Progressing, and all passed (or none to check) is Healthy.
local promoter = require("promoter")
return promoter.health(obj, {
  name = "GitCommitStatus", init = "Initializing git commit validation",
  missing = "GitCommitStatus Ready condition is missing",
  outdated = "Waiting for GitCommitStatus spec update to be observed",
  fail = "Git commit validation failed", notready = "Git commit validation not ready",
  unknown = "Git commit validation readiness unknown",
}, promoter.environments({
  empty = "Git commit validation reconciled", failed = "Git commit validation failed",
  pending = "Git commit validation pending", passed = "Git commit validation passed",
}))
