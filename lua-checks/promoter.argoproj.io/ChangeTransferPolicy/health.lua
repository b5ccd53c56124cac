-- GitOps Promoter ChangeTransferPolicy: moves hydrated changes from a proposed branch to an
-- active branch. Ready decides failures; once ready, missing DRY SHAs or a pending promotion are
-- Progressing, and an up-to-date environment is Healthy (noting any unsuccessful active checks).
local promoter = require("promoter")
return promoter.health(obj, {
  name = "Change transfer policy", init = "Initializing change transfer policy",
  missing = "Change transfer policy is not ready yet",
  outdated = "Waiting for change transfer policy spec update to be observed",
  fail = "Change transfer policy reconciliation failed", unknown = "Change transfer policy readiness unknown",
  finalizers = {
    ["changetransferpolicy.promoter.argoproj.io/finalizer"] = "Waiting to clear related PullRequest finalizers and finish cleanup before this policy is removed. Risk if removed manually: The 'changetransferpolicy.promoter.argoproj.io/pullrequest-finalizer' finalizer may not be cleaned up from PullRequests owned by this ChangeTransferPolicy.",
  },
}, promoter.change_transfer)
