-- SecretStore health.
-- External Secrets Operator validates the provider configuration of a store
-- and records the outcome in the Ready condition: True (reason Valid) when
-- the provider can be reached, False (ValidationFailed, InvalidProviderConfig,
-- ...) when it cannot. No Ready condition yet means the controller has not
-- looked at the store.
return require("external_secrets").store(obj, "SecretStore")
