-- BackendTLSPolicy health.
-- Each Gateway (ancestor) that applies the policy reports it in status.ancestors with Accepted
-- and ResolvedRefs conditions. The policy is healthy when every ancestor entry has both True.
-- A False condition (target not found, conflict, missing CA certificate, ...) is Degraded;
-- Unknown or reason Pending is Progressing, as is an ancestor whose conditions are all older
-- than metadata.generation (it has not applied the current policy yet). Entries with no
-- conditions do not count; if none count yet the policy is waiting for status.
return require("gateway_api").policy(obj, "BackendTLSPolicy")
