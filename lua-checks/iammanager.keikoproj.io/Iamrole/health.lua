-- keikoproj iam-manager Iamrole. status.state is Ready once the IAM role exists in AWS; any
-- other state (Error, RolesMaxLimitReached, PolicyNotAllowed, ...) means reconciliation
-- failed, with status.errorDescription and a retry counter. No state yet: not reconciled.
local h = require("herald")
local s = h.status(obj)
local state = h.text(s.state)
local name = h.text(s.roleName) or (obj.metadata and h.text(obj.metadata.name)) or "<none>"
local arn = h.text(s.roleARN) or "<none>"
local id = h.text(s.roleID) or "<none>"
if state == nil then
  return h.progressing("Waiting for the Iamrole to be reconciled")
end
if state == "Ready" then
  return h.healthy(string.format("Role '%s' exists with ARN '%s' and ID '%s'.", name, arn, id))
end
local retry = ""
if type(s.retryCount) == "number" and s.retryCount > 0 then
  retry = string.format(" (retry %d)", s.retryCount)
end
return h.degraded(string.format("Failed to reconcile the Iamrole%s for role '%s' with ARN '%s' and ID '%s'. Reconciliation error was: %s",
  retry, name, arn, id, h.text(s.errorDescription) or state))
