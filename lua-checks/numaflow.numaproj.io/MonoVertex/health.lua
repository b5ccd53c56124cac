-- Numaflow MonoVertex. A single-vertex pipeline: source, optional transformer and sink in one pod.
-- status.phase Running with every health condition True is Healthy, and so is Paused (stopped on
-- purpose); Failed or a False condition is Degraded (paused or not); a stale observedGeneration is Progressing.
-- Numaplane labels a child that failed a progressive upgrade (progressive-result-state=failed).
return require("numaproj").numaflow(obj, "MonoVertex")
