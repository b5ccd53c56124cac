-- mariadb-operator Database. The operator creates a database in the referenced MariaDB and reports
-- it in the Ready condition: True once created, False with the SQL error when it failed; a
-- False Ready that only says the server has a binlog replay pending is progressing.
return require("mariadb_operator").sql(obj, "Waiting for the operator to create the resource")
