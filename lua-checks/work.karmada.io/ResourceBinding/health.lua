-- Karmada ResourceBinding: propagates a resource to member clusters and aggregates each
-- member's apply result and health in status.aggregatedStatus. Any member not applied or not
-- Healthy, or FullyApplied=False, is Degraded; no member results yet, fewer results than
-- scheduled clusters, or FullyApplied not yet concluded (Unknown) is Progressing; otherwise
-- Healthy (a release without the FullyApplied condition is judged by its members alone).
return require("karmada").binding(obj)
