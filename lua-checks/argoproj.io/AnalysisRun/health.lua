-- AnalysisRun (Argo Rollouts): health follows status.phase, the verdict the
-- controller reaches from its metric measurements.
--   Pending / Running   -> Progressing, the measurements are still being taken
--   Successful          -> Healthy (also a run terminated early by its Rollout)
--   Failed / Error      -> Degraded
--   Inconclusive        -> Unknown: the run is over without a verdict (the Rollout pauses
--                          for a person's judgment); neither healthy nor failed
-- For finished runs the controller's status.message is preferred when it has one.
return require("argo_rollouts").analysis_run(obj)
