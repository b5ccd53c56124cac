-- Percona Server for MongoDB: status.state summarises the cluster (ready, initializing, paused,
-- stopping, error). ready -> Healthy, initializing/stopping -> Progressing, paused -> Suspended,
-- error -> Degraded, anything else -> Unknown. The message counts ready nodes.
local h = require("herald")
local s = h.status(obj)
local function num(v) return type(v) == "number" and v or 0 end
local msg = string.format("%d/%d node(s) are ready", num(s.ready), num(s.size))
local verdicts = {
  ready = h.healthy, initializing = h.progressing, stopping = h.progressing,
  paused = h.suspended, error = h.degraded,
}
local verdict = verdicts[s.state] or h.unknown
return verdict(msg)
