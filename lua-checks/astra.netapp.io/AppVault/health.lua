-- NetApp Astra AppVault, the object-store bucket that holds backups. status.state is
-- "available" once Astra can use the bucket and "failed" when it cannot (status.error says why).
return require("astra").from_state(obj, "AppVault", {
  available = { "Healthy", "AppVault Available" },
  failed = { "Degraded", "AppVault Failed" },
})
