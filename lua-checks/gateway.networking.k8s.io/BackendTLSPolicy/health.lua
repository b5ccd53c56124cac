-- BackendTLSPolicy health.
-- Each Gateway (ancestor) that applies the policy reports it in
-- status.ancestors with Accepted and ResolvedRefs conditions. The policy is
-- healthy when every current ancestor entry has both True. A False condition
-- (target not found, conflict, missing CA certificate, ...) is Degraded;
-- Unknown or reason Pending is Progressing. Ancestor entries with no
-- conditions, or only conditions older than metadata.generation, do not
-- count; if none count yet the policy is waiting for status.
return require("gateway_api").policy(obj, "BackendTLSPolicy")
