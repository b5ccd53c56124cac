-- Cluster API Machine. status.phase follows the machine's life: Pending, Provisioning,
-- Provisioned, Running (node joined), Deleting, Failed. A Ready condition False with severity
-- Error (or a failureMessage) is a failure the controllers will not fix by themselves.
return require("cluster_api").machine(obj)
