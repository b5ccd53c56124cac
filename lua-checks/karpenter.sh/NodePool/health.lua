-- Karpenter NodePool. Ready sums up whether Karpenter can provision from the pool (the spec is
-- valid, the referenced NodeClass is ready); NodeRegistrationHealthy, when reported, says
-- whether nodes launched for the pool manage to join the cluster.
--   Ready=False                    -> Degraded
--   NodeRegistrationHealthy=False  -> Degraded (nodes keep failing to register)
--   Ready=True                     -> Healthy
--   otherwise                      -> Progressing
return require("karpenter").node_pool(obj)
