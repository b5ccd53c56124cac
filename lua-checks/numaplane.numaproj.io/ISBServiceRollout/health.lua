-- Numaplane ISBServiceRollout: rolls out an InterStepBufferService as a child resource. Healthy once the controller has
-- seen the current generation, the phase is Deployed and ChildResourcesHealthy is True (or the
-- child is deliberately paused); Pending phase or an updating child is Progressing; a failed phase,
-- deployment or progressive upgrade is Degraded.
return require("numaproj").rollout(obj)
