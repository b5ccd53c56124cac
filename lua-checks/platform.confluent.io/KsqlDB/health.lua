-- Confluent for Kubernetes KsqlDB. The CFK operator reports the cluster's lifecycle in
-- status.phase (PROVISIONING while it creates or rolls the StatefulSet, RUNNING once it is up).
-- A phase naming a failure or error is Degraded; then the platform.confluent.io/block-reconcile
-- annotation is Suspended; RUNNING is Healthy unless the StatefulSet lost minimum availability or
-- a roll or shrink is under way (rolling / garbage-collecting True): Progressing; any other phase
-- is Progressing.
return require("confluent").cluster(obj, "KsqlDB")
