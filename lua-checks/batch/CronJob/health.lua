-- CronJob (Kubernetes batch): judged by its most recent run.
--   a Job listed in status.active               -> healthy but not ready: the run is under way
--                                                  (herald's return form; Argo CD shows Healthy)
--   last success older than the last schedule   -> Degraded, that run did not succeed
--   spec.suspend                                -> Suspended, no new runs are started
--   scheduled but never succeeded               -> Healthy, with a warning message
--   never scheduled yet                         -> Healthy
--   last success at or after the last schedule  -> Healthy
-- Timestamps are RFC 3339; they are compared as instants, not as strings.
local h = require("herald")
local status = h.status(obj)

-- Days since 1970-01-01 of a proleptic Gregorian date.
local function days_from_civil(y, m, d)
  if m <= 2 then
    y = y - 1
  end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

-- Seconds since the epoch of an RFC 3339 timestamp, or nil if it is not one.
local function instant(ts)
  if type(ts) ~= "string" then
    return nil
  end
  local y, mo, d, hh, mi, s, rest = ts:match("^(%d%d%d%d)-(%d%d)-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)(.*)$")
  if y == nil then
    return nil
  end
  local seconds = days_from_civil(tonumber(y), tonumber(mo), tonumber(d)) * 86400
    + tonumber(hh) * 3600 + tonumber(mi) * 60 + tonumber(s)
  local fraction, zone = rest:match("^(%.?%d*)(.*)$")
  if fraction ~= nil and #fraction > 1 then
    seconds = seconds + tonumber("0" .. fraction)
  end
  local sign, zh, zm = (zone or ""):match("^([+-])(%d%d):?(%d%d)$")
  if sign ~= nil then
    local offset = tonumber(zh) * 3600 + tonumber(zm) * 60
    seconds = sign == "+" and seconds - offset or seconds + offset
  end
  return seconds
end

local scheduled = instant(status.lastScheduleTime)
local succeeded = instant(status.lastSuccessfulTime)

if #h.list(status.active) > 0 then
  return {
    health = "healthy",
    ready = false,
    status = "Running",
    message = "CronJob has a running job that has not completed yet",
  }
end
if scheduled ~= nil and succeeded ~= nil and succeeded < scheduled then
  return h.degraded("CronJob has not completed its last execution successfully")
end
if h.spec(obj).suspend == true then
  return h.suspended("CronJob is suspended")
end
if scheduled == nil then
  return h.healthy("CronJob has not been scheduled yet")
end
if succeeded == nil then
  return h.healthy("The CronJob never completed successfully. It may not be healthy")
end
return h.healthy("CronJob has completed its last execution successfully")
