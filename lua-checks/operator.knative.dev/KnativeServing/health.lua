-- Knative operator KnativeServing: installs a Knative component. Knative's Ready condition
-- summarises the other conditions (InstallSucceeded, DeploymentsAvailable, ...). Ready True is
-- Healthy; until then the install is Progressing and the message lists every condition as
-- "<n>: <type> | <status>" so the lagging one is visible.
return require("knative_operator").install(obj, "KnativeServing")
