-- GRPCRoute health.
-- Every Gateway (parent) that handles the route writes one entry in
-- status.parents with its own conditions. The route is healthy when each
-- current entry says Accepted=True and ResolvedRefs=True. Accepted=False,
-- ResolvedRefs=False or PartiallyInvalid=True is a configuration problem
-- (Degraded); Unknown, reason Pending, or Programmed=False means the parent is
-- still working on it (Progressing). Entries whose conditions predate
-- metadata.generation are stale and are left out.
return require("gateway_api").route(obj, "GRPCRoute")
