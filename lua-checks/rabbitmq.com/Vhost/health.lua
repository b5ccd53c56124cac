-- RabbitMQ messaging-topology Vhost: a virtual host. The topology operator records the
-- outcome of its last declaration in the Ready condition: False -> Degraded (with the server's
-- error), True -> Healthy, missing or Unknown -> Unknown (no status is written while the
-- referenced cluster is missing). See lib/rabbitmq.lua.
return require("rabbitmq").topology(obj, "RabbitMQ vhost")
