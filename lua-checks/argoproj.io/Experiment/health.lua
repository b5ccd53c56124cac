-- Experiment (Argo Rollouts): health follows status.phase.
--   no status / Pending -> Progressing, templates are being brought up
--   Running             -> Progressing, the experiment runs for its duration
--   Successful          -> Healthy
--   Failed / Error      -> Degraded
--   Inconclusive        -> Unknown: finished, but the analyses reached no verdict
-- For finished experiments the controller's status.message is preferred when set.
return require("argo_rollouts").experiment(obj)
