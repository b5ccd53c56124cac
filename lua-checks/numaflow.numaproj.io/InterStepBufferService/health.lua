-- Numaflow InterStepBufferService. The JetStream (or Redis) buffer that pipelines pass messages through.
-- Phase Failed is Degraded, also beside a newer spec; then a stale observedGeneration is
-- Progressing; then a False condition is Degraded (paused or not); phase Running with every
-- health condition True is Healthy, and so is Paused (stopped on purpose); Pausing and any
-- other phase are Progressing.
-- Numaplane labels a child that failed a progressive upgrade (progressive-result-state=failed):
-- Degraded before anything else.
return require("numaproj").numaflow(obj, "InterStepBufferService")
