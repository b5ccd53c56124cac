-- Gateway health.
-- A Gateway is healthy when its controller has Accepted and Programmed it and
-- every listener in status.listeners is usable: Accepted and ResolvedRefs are
-- not False, Programmed is True and Conflicted is not True.
-- Degraded: Gateway Accepted/ResolvedRefs False, Programmed False for a
-- configuration reason (Invalid, NoResources, AddressNotUsable), or a broken
-- listener (reported as "Listener <name>: ...").
-- Progressing: no status yet, conditions older than metadata.generation,
-- Unknown/Pending conditions, or programming still under way.
return require("gateway_api").gateway(obj)
