-- OpenKruise Advanced DaemonSet. Healthy when the pod on every eligible node is updated and
-- available. A paused rolling update is suspended, as is one that has updated every node
-- outside its partition and waits for the partition to be lowered.
return require("kruise").daemonset(obj)
