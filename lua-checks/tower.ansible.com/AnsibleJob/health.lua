-- AWX/Ansible Tower resource operator AnsibleJob: launches a job template and mirrors the
-- job's status in status.ansibleJobResult. successful -> Healthy; failed/error/canceled ->
-- Degraded; new/pending/waiting/running -> Progressing. The message links the job. Before a job
-- exists, the operator's own playbook reports through the Ansible operator's conditions: a
-- Failure=True condition (the job could not be launched: bad Tower/AWX secret, unknown job
-- template...) is Degraded with its message; otherwise it is still launching: Progressing.
local h = require("herald")
local r = h.status(obj).ansibleJobResult
if type(r) ~= "table" or h.text(r.status) == nil then
  local failure = h.condition(obj, "Failure")
  if h.is(failure, "True") then
    return h.degraded(h.explain(failure, "The AnsibleJob could not be launched"))
  end
  return h.progressing("Waiting for AnsibleJob")
end
local msg = r.status .. " job"
if h.text(r.url) then
  msg = msg .. " - " .. r.url
end
if r.status == "successful" then
  return h.healthy(msg)
end
if r.status == "failed" or r.status == "error" or r.status == "canceled" then
  return h.degraded(msg)
end
return h.progressing(msg)
