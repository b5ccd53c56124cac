-- GitOps Promoter ClusterScmProvider: cluster-wide credentials/endpoint for an SCM. Its Ready
-- condition decides (True Healthy, False Degraded, Unknown Progressing while validating);
-- deletion and an unobserved spec are Progressing.
return require("promoter").health(obj, {
  name = "ClusterScmProvider", init = "Initializing cluster SCM provider",
  missing = "ClusterScmProvider Ready condition is missing",
  outdated = "Waiting for ClusterScmProvider spec update to be observed",
  fail = "Cluster SCM provider validation failed", unknown = "Cluster SCM provider readiness unknown",
  finalizers = {
    ["clusterscmprovider.promoter.argoproj.io/finalizer"] = "Waiting until no GitRepository still references this cluster-wide SCM provider. Risk if removed manually: GitRepository objects can reference a provider that no longer exists.",
  },
}, "Cluster SCM provider is ready")
