-- GitOps Promoter WebRequestCommitStatus: gates promotion on an external HTTP check per
-- environment. Ready decides reconciliation failures; once ready, a failed check is Degraded,
-- a pending one Progressing, and all passed (or none to check) is Healthy.
local promoter = require("promoter")
return promoter.health(obj, {
  name = "WebRequestCommitStatus", init = "Initializing web request commit validation",
  missing = "WebRequestCommitStatus Ready condition is missing",
  outdated = "Waiting for WebRequestCommitStatus spec update to be observed",
  fail = "Web request commit validation failed", notready = "Web request commit validation not ready",
  unknown = "Web request commit validation readiness unknown",
}, promoter.environments({
  empty = "Web request validation reconciled", failed = "Web request validation failed",
  pending = "Web request validation pending", passed = "Web request validation passed",
}))
