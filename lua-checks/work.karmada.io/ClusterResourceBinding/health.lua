-- Karmada ClusterResourceBinding: propagates a resource to member clusters and aggregates each
-- member's apply result and health in status.aggregatedStatus. Any member not applied or not
-- Healthy, or FullyApplied=False, is Degraded; no member results yet or works not confirmed as
-- fully applied is Progressing; otherwise Healthy.
return require("karmada").binding(obj)
