-- Karmada ClusterResourceBinding: propagates a resource to member clusters and aggregates each
-- member's apply result and health in status.aggregatedStatus. A member not applied (its
-- appliedMessage says why) or Unhealthy is Degraded; no member results yet, a scheduled cluster
-- without a result, a member whose health is Unknown (its status not collected yet), or
-- FullyApplied not True while the members look fine (the controller has not caught up) is
-- Progressing; otherwise Healthy (a release without FullyApplied is judged by its members alone).
-- Scheduled=False: NoClusterFit (not retried) is Degraded first; any other reason (retried) turns
-- a verdict that would be Healthy into Progressing. See lib/karmada.lua.
return require("karmada").binding(obj)
