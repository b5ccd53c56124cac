-- Humio operator HumioParser. status.state reports whether the parser exists in the Humio
-- cluster: Exists is healthy, NotFound means it is missing, ConfigError means the spec cannot be
-- applied, Unknown means the operator could not tell. No state yet: not reconciled.
return require("humio").state(obj)
