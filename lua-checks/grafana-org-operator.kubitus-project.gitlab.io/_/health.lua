-- kubitus grafana-org-operator resources (every kind of the group). Each carries a Ready
-- condition set by the operator once the object is reconciled against the Grafana instance:
-- True healthy, False degraded with the operator's message, otherwise still progressing.
local h = require("herald")
return h.from_ready(obj, "Waiting for the operator to reconcile")
