-- GitOps Promoter ScmProvider: namespaced credentials/endpoint for an SCM. Its Ready condition
-- decides (True Healthy, False Degraded, Unknown Progressing while validating); deletion and an
-- unobserved spec are Progressing.
return require("promoter").health(obj, {
  name = "ScmProvider", init = "Initializing SCM provider",
  missing = "ScmProvider Ready condition is missing",
  outdated = "Waiting for ScmProvider spec update to be observed",
  fail = "SCM provider validation failed", unknown = "SCM provider readiness unknown",
  finalizers = {
    ["scmprovider.promoter.argoproj.io/finalizer"] = "Waiting until no GitRepository in this namespace still references this provider. Risk if removed manually: GitRepository objects can reference a provider that no longer exists.",
  },
}, "SCM provider is ready")
