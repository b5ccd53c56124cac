-- Apache Solr operator SolrCloud. Without status the cloud has not been created yet. It is
-- Healthy when every Solr node is ready and running the current spec (readyReplicas and
-- upToDateNodes reach status.replicas); otherwise pods are still starting or rolling: Progressing.
local h = require("herald")
local s = obj.status
if type(s) ~= "table" then
  return h.progressing("Waiting for solr to exist")
end
local want, ready = h.num(s.replicas), h.num(s.readyReplicas)
local current = s.upToDateNodes == nil and want or h.num(s.upToDateNodes)
if ready >= want and current >= want then
  return h.healthy("Solr is ready")
end
return h.progressing(string.format("Waiting for solr nodes: %d/%d ready, %d/%d up to date", ready, want, current, want))
