-- Confluent for Kubernetes Zookeeper. The CFK operator reports the cluster's lifecycle in
-- status.phase (PROVISIONING while it creates or rolls the StatefulSet, RUNNING once it is up).
-- RUNNING is Healthy unless the StatefulSet lost minimum availability; a phase naming a failure
-- or error is Degraded; any other phase is Progressing.
return require("confluent").cluster(obj, "Zookeeper")
