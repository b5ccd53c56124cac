-- keikoproj iam-manager Iamrole. status.state is Ready once the IAM role exists in AWS; any
-- other state (Error, RolesMaxLimitReached, PolicyNotAllowed, ...) means reconciliation
-- failed, with status.errorDescription and a retry counter. No state yet: not reconciled.
local h = require("herald")
local s = h.status(obj)
local state = h.text(s.state)
local name = h.text(s.roleName) or h.text(h.get(obj, "metadata", "name")) or "<none>"
local arn, id = h.text(s.roleARN) or "<none>", h.text(s.roleID) or "<none>"
if state == nil then
  return h.progressing("Waiting for the Iamrole to be reconciled")
elseif state == "Ready" then
  return h.healthy(string.format("Role '%s' exists with ARN '%s' and ID '%s'.", name, arn, id))
end
local retry = h.num(s.retryCount) > 0 and string.format(" (retry %d)", s.retryCount) or ""
return h.degraded(string.format("Failed to reconcile the Iamrole%s for role '%s' with ARN '%s' and ID '%s'. Reconciliation error was: %s",
  retry, name, arn, id, h.text(s.errorDescription) or state))
