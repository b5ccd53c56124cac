-- mariadb-operator Grant. The operator creates a grant in the referenced MariaDB and reports
-- it in the Ready condition: True once created, False with the SQL error when it failed.
local h = require("herald")
return h.from_ready(obj, "Waiting for the operator to create the resource")
