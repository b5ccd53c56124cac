-- Karpenter NodeClaim. A claim goes through three steps, each with a condition: Launched (the
-- cloud instance exists), Registered (its Node joined the cluster) and Initialized (the Node is
-- ready and its resources registered); Ready sums them up.
--   being deleted               -> Progressing
--   a step False                -> Degraded (launch or registration failed)
--   Ready=True                  -> Healthy
--   otherwise                   -> Progressing, naming the last step reached
return require("karpenter").node_claim(obj)
