-- Rook CephCluster. status.state is the operator's progress (Creating, Updating, Created,
-- Error) and status.ceph.health is Ceph's own verdict (HEALTH_OK/WARN/ERR) with per-check
-- details. HEALTH_ERR is Degraded whatever the operator is doing (Ceph says data is at risk or
-- unavailable); while Rook creates, updates or connects the cluster, HEALTH_WARN is expected
-- (OSDs still coming up, flags such as noout set during an upgrade), so the cluster is
-- Progressing; otherwise HEALTH_WARN is Degraded with health warning (data is served, something
-- needs attention) and state Error (the operator failed to reconcile) is Degraded.
local h = require("herald")
local s = obj.status
if type(s) ~= "table" then
  return h.progressing("Waiting for status to be reported")
end
local state, said = h.text(s.state), h.text(s.message)
local ceph = h.list(s.ceph)
local health = h.text(ceph.health)
local tail = said and (" - " .. said) or ""

-- the details' messages (else their check names), by check name
local function described()
  local details, notes = h.list(ceph.details), {}
  for k in pairs(details) do
    notes[#notes + 1] = tostring(k)
  end
  table.sort(notes)
  for i, k in ipairs(notes) do
    notes[i] = h.text(h.field(details[k], "message")) or k
  end
  local listed = #notes > 0 and (" (" .. table.concat(notes, "; ") .. ")") or ""
  return "Ceph health is " .. health .. listed .. tail
end

if health == "HEALTH_ERR" then
  return h.degraded(described())
elseif state == "Creating" or state == "Updating" or state == "Connecting" then
  return h.progressing(said or ("Cluster is " .. state))
elseif health == "HEALTH_WARN" then
  -- Ceph still serves data, but something needs attention (a daemon down, nearly full OSDs,
  -- recovery under way): a warning, not a failure.
  return { health = "warning", ready = true, status = "HEALTH_WARN", message = described() }
elseif state == "Error" then
  return h.degraded(said or "Cluster is in error state")
elseif health == "HEALTH_OK" then
  return h.healthy("Ceph health is HEALTH_OK" .. (state and (" - Ceph cluster state is " .. state) or "") .. tail)
end
return h.progressing(said or "Waiting for status to be reported")
