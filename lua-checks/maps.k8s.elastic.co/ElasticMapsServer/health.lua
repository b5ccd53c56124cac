-- ECK ElasticMapsServer. ECK sums up the pods in status.health (and turns it red while a referenced
-- Elasticsearch, Kibana or Fleet Server association is not established).
--   red (no minimum availability, or an association not established)  -> Degraded, first
--   eck.k8s.elastic.co/pause-orchestration "true", or the older
--   eck.k8s.elastic.co/managed "false" (ECK leaves the resource alone) -> Suspended
--   spec not observed yet (observedGeneration behind) or no health yet -> Progressing
--   green                                                              -> Healthy
--   yellow (some pods ready; Elastic Agent only)                       -> Progressing
--   any other word                                                     -> Unknown
return require("eck").colour(obj, "ElasticMapsServer")
