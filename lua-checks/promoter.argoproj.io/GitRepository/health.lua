-- GitOps Promoter GitRepository: a repository bound to an SCM provider. Its Ready condition
-- decides; deletion and an unobserved spec are Progressing.
return require("promoter").health(obj, {
  name = "GitRepository", init = "Initializing Git repository",
  missing = "GitRepository Ready condition is missing",
  outdated = "Waiting for GitRepository spec update to be observed",
  fail = "Git repository reconciliation failed", unknown = "Git repository readiness unknown",
}, "Git repository is ready")
