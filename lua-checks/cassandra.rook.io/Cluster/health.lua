-- Rook Cassandra Cluster. status.racks maps each rack to its member count and how many of
-- those members are ready; the cluster is healthy once every rack has all members ready.
local h = require("herald")
local total, ready = 0, 0
for _, rack in pairs(h.list(h.status(obj).racks)) do
  total = total + h.num(h.field(rack, "members"))
  ready = ready + h.num(h.field(rack, "readyMembers"))
end

if total > 0 and ready >= total then
  return h.healthy("All Cassandra members are ready")
end
return h.progressing("Waiting for Cassandra Cluster")
