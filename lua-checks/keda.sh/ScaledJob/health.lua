-- KEDA ScaledJob. KEDA reports four conditions: Ready (the triggers and scale target are valid and
-- work), Active (triggers currently ask for scaling), Fallback (a trigger keeps failing and KEDA
-- fell back to fixed replicas) and Paused (the autoscaling.keda.sh/paused annotation took effect).
--   Ready=False   -> Degraded (KEDA cannot scale the target), paused or not: failure first
--   Fallback=True -> Degraded (scaling runs on fallback values, a metric source is failing)
--   Paused=True   -> Suspended
--   Ready=True    -> Healthy (whether or not it is Active: idle is normal)
--   otherwise     -> Progressing, with what KEDA says it is doing
return require("keda").scaled(obj, "ScaledJob")
