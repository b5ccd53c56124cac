-- Coralogix operator Alert. The RemoteSynced condition tells whether the alert was pushed to the
-- Coralogix API: True is healthy (Progressing while it names an older generation than the
-- object's), False carries the API error (Degraded), no status yet means the operator
-- has not reconciled the object.
return require("coralogix").remote_synced(obj)
