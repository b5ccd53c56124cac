-- Contour (projectcontour.io): HTTPProxy, ExtensionService and friends report whether Contour
-- accepted them in a Valid condition, stamped with the generation it describes.
-- `require("contour").valid(obj, noun, opts)`.
local h = require("herald")

local M = {}

-- No Valid condition -> Progressing (opts.pending, else "Waiting for status"); one written for
-- an older generation -> Progressing; True -> Healthy; False -> Degraded ("<noun> is invalid"
-- when Contour says nothing), unless opts.excused(valid) returns a healthy message for it;
-- Unknown -> Progressing.
function M.valid(o, noun, opts)
  opts = opts or {}
  local valid = h.condition(o, "Valid")
  if valid == nil then
    return h.progressing(opts.pending or "Waiting for status")
  end
  if h.condition_lags(o, valid) then
    return h.progressing("Waiting for status")
  end
  if h.is(valid, "True") then
    return h.healthy(h.explain(valid, ""))
  end
  if h.is(valid, "False") then
    local excuse = opts.excused and opts.excused(valid)
    if excuse then
      return h.healthy(excuse)
    end
    return h.degraded(h.explain(valid, noun .. " is invalid"))
  end
  return h.progressing(h.explain(valid, "Waiting for status"))
end

return M
