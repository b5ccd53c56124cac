-- Rook Cassandra Cluster. status.racks maps each rack to its member count and how many of
-- those members are ready; the cluster is healthy once every rack has all members ready.
local h = require("herald")
local racks = h.status(obj).racks
local total, ready = 0, 0
if type(racks) == "table" then
  for _, rack in pairs(racks) do
    if type(rack) == "table" then
      total = total + (type(rack.members) == "number" and rack.members or 0)
      ready = ready + (type(rack.readyMembers) == "number" and rack.readyMembers or 0)
    end
  end
end
if total > 0 and ready >= total then
  return h.healthy("All Cassandra members are ready")
end
return h.progressing("Waiting for Cassandra Cluster")
