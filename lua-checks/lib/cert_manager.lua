-- cert-manager (cert-manager.io): Certificates, Issuers and ClusterIssuers are judged by their
-- Ready condition, and cert-manager's messages are passed on as written.
-- `require("cert_manager").certificate(obj)`, `.issuer(obj, "ClusterIssuer")`.
local h = require("herald")

local M = {}

-- The first argument that is a string (an empty one too), or nil.
local function said(...)
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if type(v) == "string" then
      return v
    end
  end
  return nil
end

-- Ready decides: missing is progressing with `waiting`; False degraded with `cause` (when
-- given) or Ready's message, reason or `failing`, even when written for an older generation
-- (failure first); otherwise written for an older generation is progressing; True healthy;
-- Unknown progressing with its message or `waiting`.
local function from_ready(o, ready, waiting, failing, cause)
  if ready == nil then
    return h.progressing(waiting)
  elseif ready.status == "False" then
    return h.degraded(cause or said(ready.message, ready.reason, failing))
  elseif h.condition_lags(o, ready) then
    return h.progressing("Waiting for cert-manager to process the latest spec")
  elseif ready.status == "True" then
    return h.healthy(said(ready.message, ""))
  end
  return h.progressing(said(ready.message, waiting))
end

-- Certificate: Issuing=True (issuance or renewal in flight) is progressing; when Ready=False,
-- a failed issuance (Issuing=False, reason Failed) is the cause, Ready only the symptom; when
-- Ready=True, a failed renewal is a warning (the certificate still serves, but is not renewed).
-- The last condition of each type counts.
function M.certificate(o)
  local ready, issuing
  for _, c in ipairs(h.conditions(o)) do
    if type(c) == "table" then
      if c.type == "Ready" then
        ready = c
      elseif c.type == "Issuing" then
        issuing = c
      end
    end
  end
  if h.is(issuing, "True") then
    return h.progressing(said(issuing.message, ""))
  end
  local failed = h.is(issuing, "False") and issuing.reason == "Failed" and said(issuing.message) or nil
  if failed ~= nil and h.is(ready, "True") and not h.condition_lags(o, ready) then
    -- The Secret still holds a valid certificate, but the last renewal failed; cert-manager
    -- retries with a growing back-off, and the certificate expires if none succeeds.
    return { health = "warning", ready = true, status = "Failed",
      message = "Certificate is valid, but its renewal failed: " .. failed }
  end
  return from_ready(o, ready, "Waiting for the certificate to be issued", "Certificate is not ready", failed)
end

-- Issuer or ClusterIssuer (`kind`): Ready says whether cert-manager could set it up (ACME
-- account registered, CA key pair found, Vault reachable...).
function M.issuer(o, kind)
  return from_ready(o, h.condition(o, "Ready"), "Waiting for the " .. kind .. " to be set up", kind .. " is not ready")
end

return M
