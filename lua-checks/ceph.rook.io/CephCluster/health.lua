-- Rook CephCluster. status.state is the operator's progress (Creating, Updating, Created,
-- Error) and status.ceph.health is Ceph's own verdict (HEALTH_OK/WARN/ERR) with per-check
-- details; any Ceph health warning or error counts as degraded.
local h = require("herald")
local s = obj.status
if type(s) ~= "table" then
  return h.progressing("Waiting for status to be reported")
end
local state = h.text(s.state)
local ceph = type(s.ceph) == "table" and s.ceph or {}
local health = h.text(ceph.health)

if state == "Creating" or state == "Updating" or state == "Connecting" then
  return h.progressing(h.text(s.message) or ("Cluster is " .. state))
end
if health == "HEALTH_WARN" or health == "HEALTH_ERR" then
  local keys, notes = {}, {}
  if type(ceph.details) == "table" then
    for k in pairs(ceph.details) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    for _, k in ipairs(keys) do
      local d = ceph.details[k]
      notes[#notes + 1] = type(d) == "table" and h.text(d.message) or k
    end
  end
  local msg = "Ceph health is " .. health
  if #notes > 0 then msg = msg .. " (" .. table.concat(notes, "; ") .. ")" end
  if h.text(s.message) then msg = msg .. " - " .. s.message end
  return h.degraded(msg)
end
if state == "Error" then
  return h.degraded(h.text(s.message) or "Cluster is in error state")
end
if health == "HEALTH_OK" then
  local msg = "Ceph health is HEALTH_OK"
  if state then msg = msg .. " - Ceph cluster state is " .. state end
  if h.text(s.message) then msg = msg .. " - " .. s.message end
  return h.healthy(msg)
end
return h.progressing(h.text(s.message) or "Waiting for status to be reported")
