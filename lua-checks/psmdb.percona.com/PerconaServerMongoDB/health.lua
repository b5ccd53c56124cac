-- Percona Server for MongoDB: status.state summarises the cluster (ready, initializing, paused,
-- stopping, error). ready -> Healthy, initializing/stopping -> Progressing, paused -> Suspended,
-- error -> Degraded, anything else -> Unknown. The message counts ready nodes.
local h = require("herald")
local s = h.status(obj)
local VERDICTS = {
  ready = "Healthy", initializing = "Progressing", stopping = "Progressing",
  paused = "Suspended", error = "Degraded",
}
return h.lookup(s.state, VERDICTS, string.format("%d/%d node(s) are ready", h.num(s.ready), h.num(s.size)), "Unknown")
