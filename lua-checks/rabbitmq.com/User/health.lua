-- RabbitMQ messaging-topology User: a user and its credentials. The topology operator records the
-- outcome of its last create/update in the Ready condition: True -> Healthy, False -> Degraded
-- (with the server's error when given), missing or Unknown -> Unknown.
return require("rabbitmq").topology(obj, "RabbitMQ user")
