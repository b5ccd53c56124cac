-- Knative operator KnativeEventing: installs a Knative component. Its Ready condition summarises
-- InstallSucceeded, DeploymentsAvailable, DependenciesInstalled and VersionMigrationEligible.
-- A failed install or version migration (InstallSucceeded/VersionMigrationEligible False, or any
-- of them False with the operator's failure reason Error) is Degraded with its message; Ready
-- True with all of them True is Healthy; otherwise the install is Progressing and the message
-- lists every condition as "<n>: <type> | <status>" so the lagging one is visible. A status whose
-- observedGeneration is behind the spec is Progressing (after the failures).
return require("knative_operator").install(obj, "KnativeEventing")
