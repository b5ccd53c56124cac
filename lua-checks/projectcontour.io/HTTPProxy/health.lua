-- Contour HTTPProxy: the Valid condition says whether Contour accepted the proxy.
-- Not yet observed -> Progressing (status.description if Contour said something); Valid=True ->
-- Healthy; Valid=False -> Degraded, except a proxy that includes others and whose only errors are
-- about its inclusions: those cannot be judged from the parent alone, so it counts as Healthy.
local h = require("herald")
local s = h.status(obj)
return require("contour").valid(obj, "HTTPProxy", {
  pending = s.currentStatus == "NotReconciled" and h.text(s.description) or nil,
  -- Errors only about inclusions cannot be judged from the parent alone.
  excused = function(valid)
    local errs = h.list(valid.errors)
    if #h.list(h.spec(obj).includes) == 0 or #errs == 0 then
      return nil
    end
    for _, e in ipairs(errs) do
      if type(h.field(e, "type")) ~= "string" or not e.type:find("^Include") then
        return nil
      end
    end
    return "HTTPProxy inclusions cannot be health checked"
  end,
})
