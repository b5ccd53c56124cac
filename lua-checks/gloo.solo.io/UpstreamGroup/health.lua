-- Gloo Edge UpstreamGroup. Gloo validates each resource and reports the outcome in status.state
-- (or, for namespaced reporters, in status.statuses.<namespace>.state): Pending / 0 not yet
-- validated, Accepted / 1 valid, Rejected / 2 and Warning / 3 with status.reason explaining.
-- The worst report wins; a resource Gloo has not looked at yet is progressing.
return require("gloo").validation(obj)
