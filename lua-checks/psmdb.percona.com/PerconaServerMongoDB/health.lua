-- Percona Server for MongoDB: status.state summarises the cluster (the operator's AppState):
--   error         -> Degraded, with the operator's status.message when it gives one
--   paused        -> Suspended (spec.pause: true and every pod gone)
--   generation ahead of status.observedGeneration -> Progressing (the operator writes
--                    observedGeneration with every status update, so a lag is a spec not seen yet)
--   initializing  -> Progressing (creating, scaling, upgrading, or replsets not all ready)
--   stopping      -> Progressing (spec.pause: true while pods are still being removed)
--   ready         -> Healthy
--   unknown, or anything else -> Unknown
-- The message counts ready nodes.
local h = require("herald")
local s = h.status(obj)
local count = string.format("%d/%d node(s) are ready", h.num(s.ready), h.num(s.size))
if s.state == "error" then
  local detail = h.text(s.message)
  return h.degraded(detail and (detail .. " (" .. count .. ")") or count)
end
if s.state == "paused" then
  return h.suspended(count)
end
if h.generation_lags(obj) then
  return h.progressing("Waiting for the operator to reconcile the latest spec (" .. count .. ")")
end
local VERDICTS = { ready = "Healthy", initializing = "Progressing", stopping = "Progressing" }
return h.lookup(s.state, VERDICTS, count, "Unknown")
