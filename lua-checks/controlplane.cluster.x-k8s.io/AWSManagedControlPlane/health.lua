-- Cluster API Provider AWS managed control plane (EKS). Ready=True once EKS and its add-ons,
-- IAM and networking are reconciled; EKSControlPlaneCreating/Updating flag work under way;
-- a failureMessage or an Error-severity False condition is a failure needing attention. Cluster
-- API's severity says so for any condition, not just Ready: CAPA marks the failing step
-- (EKSControlPlaneCreating, IAM, add-ons...) False with severity Error while Ready may still be
-- Unknown, so any such condition is Degraded, ahead of Ready=True (failure first). CAPA records
-- status.observedGeneration only after a reconcile that returned no error, while it patches the
-- conditions and failureMessage on every reconcile: a failure is reported ahead of a generation
-- lag (a spec that keeps failing would otherwise wait for ever); a lag without a failure is
-- Progressing.
--   failureMessage, or any condition False with severity Error      -> Degraded
--   paused (cluster.x-k8s.io/paused annotation, which Cluster API sets
--     on the objects of a paused Cluster, or Paused=True)          -> Suspended
--   generation lag                                                  -> Progressing
--   EKSControlPlaneUpdating or EKSControlPlaneCreating True         -> Progressing
--   Ready=True                                                      -> Healthy
--   anything else (Ready False with severity Info/Warning, Unknown,
--     missing)                                                      -> Progressing
local h = require("herald")
local capi = require("cluster_api")
local failure = h.text(h.status(obj).failureMessage)
local c = h.by_type(obj)

-- Whether any condition is False with severity Error.
local function has_error()
  for _, cond in ipairs(h.conditions(obj)) do
    if type(cond) == "table" and cond.status == "False" and cond.severity == "Error" then
      return true
    end
  end
  return false
end

-- Ready's message when it is an error, then those of the other Error-severity False conditions.
local function errors()
  local parts = {}
  if h.is(c.Ready, "False") and c.Ready.severity == "Error" and h.text(c.Ready.message) then
    parts[1] = c.Ready.message
  end
  for _, cond in ipairs(h.conditions(obj)) do
    if type(cond) == "table" and cond ~= c.Ready and cond.status == "False"
        and cond.severity == "Error" and h.text(cond.message) then
      parts[#parts + 1] = cond.message
    end
  end
  return #parts > 0 and table.concat(parts, " ") or "Control plane reconciliation failed"
end

if failure then
  return h.degraded(failure)
elseif has_error() then
  return h.degraded(errors())
elseif capi.paused(obj) then
  return h.suspended(h.explain(c.Paused, "Reconciliation is paused"))
elseif h.generation_lags(obj) then
  return h.progressing("Waiting for the control plane spec to be reconciled")
elseif h.is(c.EKSControlPlaneUpdating, "True") then
  return h.progressing("EKS control plane is updating")
elseif h.is(c.EKSControlPlaneCreating, "True") then
  return h.progressing("EKS control plane is being created")
elseif h.is(c.Ready, "True") then
  return h.healthy("Control plane is ready")
end
return h.progressing("Waiting for the control plane to become ready")
