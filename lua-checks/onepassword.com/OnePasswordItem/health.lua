-- 1Password Connect operator OnePasswordItem: syncs a 1Password item into a Secret and keeps a
-- Ready condition (True once the Secret is written, False with the error otherwise).
-- That one condition decides, so the shared Ready rule applies.
local h = require("herald")
return h.from_ready(obj, "Waiting for OnePasswordItem to be synced")
