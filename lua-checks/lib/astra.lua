-- NetApp Astra (astra.netapp.io): AppVaults and the one-shot data protection operations
-- (Backup, Snapshot, ExecHooksRun...) report their progress as a word in status.state.
-- `require("astra").operation(obj, "Backup")`, `.from_state(obj, "AppVault", outcomes)`.
local h = require("herald")

local M = {}

M.NO_STATUS = "No status available"

-- The verdict from status.state. `outcomes` maps a state to {status, message}; the message
-- defaults to the state itself. Other states are progressing ("<kind> <state>"); no state yet
-- means Astra has not picked the object up.
function M.from_state(o, kind, outcomes)
  local state = h.text(h.status(o).state)
  if state == nil then
    return h.progressing(M.NO_STATUS)
  end
  local known = outcomes[state]
  if known ~= nil then
    return { status = known[1], message = known[2] or state }
  end
  return h.progressing(kind .. " " .. state)
end

-- A one-shot operation: Pending/Running -> Completed (healthy), or Failed/Error (degraded).
function M.operation(o, kind)
  return M.from_state(o, kind, {
    Completed = { "Healthy", kind .. " Completed" },
    Failed = { "Degraded" },
    Error = { "Degraded" },
  })
end

return M
