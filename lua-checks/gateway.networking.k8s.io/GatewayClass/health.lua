-- GatewayClass health.
-- The controller named in spec.controllerName claims a GatewayClass by
-- setting Accepted=True. Accepted=False (invalid parameters, unsupported
-- class) or SupportedVersion=False (installed Gateway API CRDs not supported
-- by the controller) is Degraded. No status yet, Accepted=Unknown/Pending, or
-- an Accepted condition older than metadata.generation is Progressing.
return require("gateway_api").gateway_class(obj)
