-- GitOps Promoter PullRequest: a PR opened on the SCM for a promotion. Ready decides; once
-- ready the message names the PR and its state. Deletion (with finalizer notes) is Progressing.
local h = require("herald")
return require("promoter").health(obj, {
  name = "Pull request", init = "Initializing pull request",
  missing = "Pull request is not ready yet",
  outdated = "Waiting for pull request spec update to be observed",
  fail = "Pull request reconciliation failed", unknown = "Pull request readiness unknown",
  finalizers = {
    ["pullrequest.promoter.argoproj.io/finalizer"] = "Waiting for SCM closure or reconciliation of the pull request. Risk if removed manually: the real PR can stay open after the CR is gone.",
    ["changetransferpolicy.promoter.argoproj.io/pullrequest-finalizer"] = "Waiting for the ChangeTransferPolicy to observe PR identity and state. Risk if removed manually: promotion status or history can be wrong or racy.",
  },
}, function(s)
  local id, state = h.text(tostring(s.id or "")), h.text(s.state)
  if id and state then
    return h.healthy(string.format("Pull request is %s as PR %s", state, id))
  end
  return h.healthy("Pull request is healthy")
end)
