-- AnalysisRun (Argo Rollouts): health follows status.phase, the verdict the
-- controller reaches from its metric measurements.
--   Pending / Running   -> Progressing, the measurements are still being taken
--   Successful          -> Healthy (also a run terminated early by its Rollout)
--   Failed / Error      -> Degraded
--   Inconclusive        -> Suspended: the run is over but needs a human's judgment
-- For finished runs the controller's status.message is preferred when it has one.
return require("argo_rollouts").analysis_run(obj)
