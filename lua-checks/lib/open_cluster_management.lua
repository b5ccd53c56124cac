-- Open Cluster Management policies (policy.open-cluster-management.io): the policy
-- controllers report status.compliant (Compliant, NonCompliant, ...) once they have evaluated
-- a policy. `require("open_cluster_management").compliance(obj, lagging, explain)`.
local h = require("herald")

local M = {}

local VERDICTS = { Compliant = "Healthy", NonCompliant = "Degraded" }

-- status.compliant decides: Compliant is Healthy, NonCompliant is Degraded, another value is
-- Progressing. No value yet, or `lagging` (an evaluation of an older generation), is
-- Progressing. The message is explain(compliant).
function M.compliance(o, lagging, explain)
  local compliant = h.text(h.status(o).compliant)
  if compliant == nil then
    return h.progressing("Waiting for the status to be reported")
  end
  if lagging then
    return h.progressing("Waiting for the status to be updated")
  end
  return h.lookup(compliant, VERDICTS, explain(compliant))
end

return M
