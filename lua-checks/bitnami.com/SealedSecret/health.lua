-- Bitnami SealedSecret. The controller reports on the Synced condition whether it could decrypt
-- the sealed data and write the Secret.
--   no Synced condition, or status older than the spec -> Progressing (not decrypted yet)
--   Synced=True                                       -> Healthy
--   Synced=False                                      -> Degraded, with the controller's error

local WAITING = "Waiting for Sealed Secret to be decrypted"

local function synced_condition(status)
  if status == nil or status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == "Synced" then
      return c
    end
  end
  return nil
end

local function behind_spec(o)
  local generation = o.metadata and o.metadata.generation
  local seen = o.status and o.status.observedGeneration
  return generation ~= nil and seen ~= nil and seen < generation
end

local synced = synced_condition(obj.status)
if synced == nil or behind_spec(obj) then
  return { status = "Progressing", message = WAITING }
end
if synced.status == "True" then
  return { status = "Healthy", message = synced.message or "" }
end
if synced.status == "False" then
  return { status = "Degraded", message = synced.message or synced.reason or "" }
end
return { status = "Progressing", message = synced.message or WAITING }
