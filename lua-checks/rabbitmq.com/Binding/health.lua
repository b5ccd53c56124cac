-- RabbitMQ messaging-topology Binding: a binding between an exchange and a queue or exchange. The topology operator records the
-- outcome of its last create/update in the Ready condition: True -> Healthy, False -> Degraded
-- (with the server's error when given), missing or Unknown -> Unknown.
return require("rabbitmq").topology(obj, "RabbitMQ binding")
