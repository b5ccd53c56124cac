-- NetApp Astra Snapshot, a one-shot data protection operation. status.state moves through
-- Pending/Running to Completed, or ends in Failed/Error (status.error explains why).
-- No status yet means the Astra connector has not picked the object up.
return require("astra").operation(obj, "Snapshot")
