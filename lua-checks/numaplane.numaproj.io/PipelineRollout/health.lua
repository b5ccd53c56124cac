-- Numaplane PipelineRollout: rolls out a Pipeline as a child resource. Healthy once the controller has
-- seen the current generation, the phase is Deployed and ChildResourcesHealthy is True (or the
-- child is deliberately paused); Pending phase, an upgrade in progress or an updating child is
-- Progressing; a failed phase, progressive upgrade or failed child is Degraded; a child that is
-- pending, being deleted or whose health the controller reports as Unknown is Progressing.
-- ChildResourceDeployed is only ever set True.
return require("numaproj").rollout(obj)
