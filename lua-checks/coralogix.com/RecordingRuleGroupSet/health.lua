-- Coralogix operator RecordingRuleGroupSet. The RemoteSynced condition tells whether the rule
-- groups were pushed to the Coralogix API: True is healthy, False carries the API error, and no
-- status yet means the operator has not reconciled the object.
return require("coralogix").remote_synced(obj)
