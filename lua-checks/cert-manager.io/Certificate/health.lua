-- cert-manager Certificate. The Ready condition says whether the Secret holds a valid certificate
-- that matches the spec; Issuing says whether a (re)issuance is under way or last failed.
--   Issuing=True                       -> Progressing (issuance or renewal in flight)
--   Ready seen for an older generation -> Progressing (spec change not processed yet)
--   Ready=True                         -> Healthy
--   Ready=False                        -> Degraded (the failed issuance explains why, if any)
--   no verdict yet                     -> Progressing
-- This check runs hot: one pass over the conditions, no string building.

local status = obj.status
local conditions = status and status.conditions
local ready, issuing
if conditions then
  for i = 1, #conditions do
    local c = conditions[i]
    local kind = c.type
    if kind == "Ready" then
      ready = c
    elseif kind == "Issuing" then
      issuing = c
    end
  end
end

if issuing and issuing.status == "True" then
  return { status = "Progressing", message = issuing.message or "" }
end

if ready == nil then
  return { status = "Progressing", message = "Waiting for the certificate to be issued" }
end

local seen = ready.observedGeneration
local generation = obj.metadata and obj.metadata.generation
if seen and generation and seen < generation then
  return { status = "Progressing", message = "Waiting for cert-manager to process the latest spec" }
end

local verdict = ready.status
if verdict == "True" then
  return { status = "Healthy", message = ready.message or "" }
end
if verdict == "False" then
  -- A failed issuance (Issuing=False, reason Failed) is the cause; Ready only repeats the symptom.
  if issuing and issuing.status == "False" and issuing.reason == "Failed" and issuing.message then
    return { status = "Degraded", message = issuing.message }
  end
  return { status = "Degraded", message = ready.message or ready.reason or "Certificate is not ready" }
end
return { status = "Progressing", message = ready.message or "Waiting for the certificate to be issued" }
