"""The suite's topology on a real RabbitMQ: a binding retired from a queue's spec leaves the durable
queue of a broker that had it when the queue is declared again."""

from __future__ import annotations

import pika
from pika.adapters.blocking_connection import BlockingChannel
from servicekit.topology import SUITE_QUEUES, QueueSpec, declare_all, declare_queue, suite_queue

EXCHANGE = "ttdn.events"
DELAYS = (1000,)
# plans.overview as it was declared before it was bound to the approval events it reads only.
OLD_OVERVIEW = QueueSpec("plans.overview", ("plan.#", "approval.#", "call.#", "report.#"))


def publish(channel: BlockingChannel, routing_key: str) -> None:
    channel.basic_publish(EXCHANGE, routing_key, b"{}", pika.BasicProperties(message_id=routing_key))


def received(channel: BlockingChannel, queue: str) -> list[str]:
    keys: list[str] = []
    while True:
        method, properties, _ = channel.basic_get(queue, auto_ack=True)
        if method is None:
            return keys
        keys.append(properties.message_id)


def test_a_queue_declared_again_loses_its_retired_binding_and_keeps_the_others(amqp_url: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()  # a confirmed publish has been routed
        declare_queue(channel, EXCHANGE, OLD_OVERVIEW, DELAYS)
        publish(channel, "approval.decision_recorded")
        assert received(channel, "plans.overview") == ["approval.decision_recorded"]

        spec = suite_queue("plans.overview")
        assert spec.retired == ("approval.#",)
        declare_queue(channel, EXCHANGE, spec, DELAYS)
        for key in ("approval.decision_recorded", "approval.task_delegated", "approval.task_assigned"):
            publish(channel, key)
        for key in ("approval.completed", "plan.submitted", "report.received", "call.issued"):
            publish(channel, key)
        assert received(channel, "plans.overview") == [
            "approval.task_assigned",
            "approval.completed",
            "plan.submitted",
            "report.received",
            "call.issued",
        ]
    finally:
        connection.close()


def test_unbinding_a_retired_binding_that_is_not_there_is_harmless(amqp_url: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        declare_all(channel, EXCHANGE, SUITE_QUEUES, DELAYS)  # a new broker: nothing to unbind
        declare_all(channel, EXCHANGE, SUITE_QUEUES, DELAYS)
        assert channel.is_open
        publish(channel, "approval.task_assigned")
        assert received(channel, "plans.overview") == ["approval.task_assigned"]
    finally:
        connection.close()
