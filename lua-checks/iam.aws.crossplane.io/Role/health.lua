-- Crossplane provider-aws Role (managed resource for an IAM role). Synced says whether the
-- last reconcile with AWS worked (False carries the error); Ready says whether the external
-- resource is available (reason Available, Creating, Deleting, Unavailable).
return require("provider_aws").iam(obj)
