-- Cluster API Cluster.
--   spec.paused, the cluster.x-k8s.io/paused annotation or v1beta2 Paused=True -> Suspended,
--     before anything else: every Cluster API controller stops and the status is frozen
--   phase Failed, a failureMessage, or Ready=False with severity Error       -> Degraded
--   v1beta2 Available=False once Provisioned -> Degraded; any other Available not True waits
--   Provisioned, observed, not Ready=False:
--     v1beta2 RollingOut, ScalingUp or ScalingDown True                      -> Progressing
--     otherwise                                                              -> Healthy
--   Pending, Provisioning, a generation lag, Ready=False (Info/Warning)      -> Progressing
return require("cluster_api").cluster(obj)
