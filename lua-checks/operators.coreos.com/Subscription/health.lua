-- OLM Subscription. Failing conditions (CatalogSourcesUnhealthy, InstallPlanFailed,
-- ResolutionFailed, BundleUnpackFailed: the unpack job failed or ran past its deadline) or state
-- UpgradeFailed are Degraded; state AtLatestKnown is Healthy, and so
-- is UpgradePending when an installed operator only waits for manual InstallPlan approval;
-- otherwise Progressing. OLM's BundleUnpacking=True (the bundle is still being unpacked) and
-- InstallPlanPending=True with reason Installing (the InstallPlan is executing) are work in
-- flight whatever the state says: Progressing. OLM reports install failures only in the
-- conditions (state AtLatestKnown sits beside InstallPlanFailed=True), so a subscription whose
-- conditions OLM has not written yet is Progressing, not Healthy, unless its state already
-- says UpgradeFailed. InstallPlanMissing (the referenced InstallPlan was deleted) and
-- PackageDeprecated, ChannelDeprecated, BundleDeprecated (marked so in the catalog) inform
-- without changing the verdict;
-- state UpgradeAvailable (a newer bundle, no InstallPlan yet) is Progressing. The message lists
-- each condition and then the subscription state.
local h = require("herald")
local s = h.status(obj)
local state = h.text(s.state)
local c = h.by_type(obj)

local failing = h.is(c.CatalogSourcesUnhealthy, "True") or h.is(c.InstallPlanFailed, "True")
  or h.is(c.ResolutionFailed, "True") or h.is(c.BundleUnpackFailed, "True")
  or state == "UpgradeFailed"
local approval = h.is(c.InstallPlanPending, "True") and c.InstallPlanPending.reason == "RequiresApproval"
local awaiting_approval = state == "UpgradePending" and h.text(s.installedCSV) ~= nil and approval
  and not h.is(c.BundleUnpacking, "True")

local lines = {}
for _, cond in ipairs(h.conditions(obj)) do
  if type(cond) == "table" and not (awaiting_approval and cond == c.InstallPlanPending) then
    local n = #lines + 1
    lines[n] = n .. ": " .. tostring(cond.type) .. " | " .. tostring(cond.status) .. "\n"
  end
end
if state == nil then
  table.insert(lines, ".status.state not yet known\n")
elseif awaiting_approval then
  table.insert(lines, ".status.state is '" .. state .. "' (manual InstallPlan approval pending; treated as healthy)\n")
else
  table.insert(lines, ".status.state is '" .. state .. "'\n")
end
local reported = #h.conditions(obj) > 0
if not reported then
  table.insert(lines, 1, "no conditions reported yet\n")
end
local message = table.concat(lines)

if failing then
  return h.degraded(message)
elseif not reported then
  return h.progressing(message)
end
local installing = h.is(c.BundleUnpacking, "True")
  or (h.is(c.InstallPlanPending, "True") and c.InstallPlanPending.reason == "Installing")
if (state == "AtLatestKnown" and not installing) or awaiting_approval then
  return h.healthy(message)
end
return h.progressing(message)
