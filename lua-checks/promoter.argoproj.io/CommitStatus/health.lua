-- GitOps Promoter CommitStatus: one status (pending/success/failure) published on a commit.
-- The object is healthy once Ready (it faithfully reports whatever phase it carries); Ready=False
-- is Degraded; deletion, missing status and an unobserved spec are Progressing.
local h = require("herald")
return require("promoter").health(obj, {
  name = "Commit status", init = "Initializing commit status",
  missing = "Commit status is not ready yet",
  outdated = "Waiting for commit status spec update to be observed",
  fail = "Commit status reconciliation failed", unknown = "Commit status readiness unknown",
}, function(s)
  local sha, phase = h.text(s.sha), h.text(s.phase)
  if sha and phase then
    return h.healthy(string.format("Commit status for commit %s reports %s", sha, phase))
  end
  return h.healthy("Commit status is ready")
end)
