-- cert-manager ClusterIssuer. Its Ready condition says whether cert-manager could set up the issuer
-- (ACME account registered, CA key pair found, Vault reachable...).
--   Ready seen for an older generation -> Progressing (spec change not processed yet)
--   Ready=True                         -> Healthy
--   Ready=False                        -> Degraded, with cert-manager's explanation
--   Ready missing or Unknown           -> Progressing

local function ready_condition(o)
  local conditions = o.status and o.status.conditions
  if conditions == nil then
    return nil
  end
  for _, c in ipairs(conditions) do
    if c.type == "Ready" then
      return c
    end
  end
  return nil
end

local function is_stale(o, condition)
  local generation = o.metadata and o.metadata.generation
  local seen = condition.observedGeneration
  return generation ~= nil and seen ~= nil and seen < generation
end

local ready = ready_condition(obj)
if ready == nil then
  return { status = "Progressing", message = "Waiting for the ClusterIssuer to be set up" }
end
if is_stale(obj, ready) then
  return { status = "Progressing", message = "Waiting for cert-manager to process the latest spec" }
end
if ready.status == "True" then
  return { status = "Healthy", message = ready.message or "" }
end
if ready.status == "False" then
  return { status = "Degraded", message = ready.message or ready.reason or "ClusterIssuer is not ready" }
end
return { status = "Progressing", message = ready.message or "Waiting for the ClusterIssuer to be set up" }
