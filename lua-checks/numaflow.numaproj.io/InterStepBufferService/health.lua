-- Numaflow InterStepBufferService. The JetStream (or Redis) buffer that pipelines pass messages through.
-- status.phase Running with every health condition True is Healthy, and so is Paused (stopped on
-- purpose); Failed or a False condition is Degraded (paused or not); a stale observedGeneration is Progressing.
-- Numaplane labels a child that failed a progressive upgrade (progressive-result-state=failed).
return require("numaproj").numaflow(obj, "InterStepBufferService")
