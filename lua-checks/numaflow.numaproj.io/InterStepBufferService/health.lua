-- Numaflow InterStepBufferService. The JetStream (or Redis) buffer that pipelines pass messages through.
-- status.phase Running with every health condition True is Healthy, and so is Paused (stopped on
-- purpose); Failed or a False condition is Degraded; a stale observedGeneration is Progressing.
-- Numaplane labels a child that failed a progressive upgrade (progressive-result-state=failed).
local h = require("herald")
local kind = h.text(obj.kind) or "InterStepBufferService"
local s = h.status(obj)
local labels = obj.metadata and obj.metadata.labels

if type(labels) == "table" and labels["numaplane.numaproj.io/progressive-result-state"] == "failed" then
  return h.degraded("Failed progressive upgrade")
end
if h.generation_lags(obj) then
  return h.progressing("Waiting for " .. kind .. " status")
end
if s.phase == "Failed" then
  return h.degraded(h.text(s.message) or (kind .. " failed"))
end
if s.phase == "Paused" then
  return h.healthy(kind .. " is paused")
end
if s.phase == "Pausing" then
  return h.progressing(kind .. " is pausing")
end
for _, c in ipairs(h.conditions(obj)) do
  if type(c) == "table" and c.status == "False" then
    return h.degraded(h.explain(c, kind .. " is unhealthy"))
  end
end
if s.phase == "Running" then
  return h.healthy(kind .. " is healthy")
end
return h.progressing("Waiting for " .. kind .. " status")
