-- GitOps Promoter PromotionStrategy: promotes hydrated DRY commits through a chain of
-- environments. Ready decides reconciliation failures; once ready, environments whose hydrator
-- output disagrees, or whose active commit lags the proposed one, are Progressing; all
-- environments on the same commit is Healthy. An environment without a known active or proposed
-- DRY SHA is Progressing; a spec without environments is Degraded (nothing can be promoted).
local promoter = require("promoter")
return promoter.health(obj, {
  name = "Promotion strategy", init = "Initializing promotion strategy",
  missing = "Promotion strategy is not ready yet",
  outdated = "Waiting for promotion strategy spec update to be observed",
  fail = "Promotion strategy reconciliation failed", unknown = "Promotion strategy readiness unknown",
}, promoter.promotion)
