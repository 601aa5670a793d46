"""The RabbitMQ topology of the suite, in one place (architecture §5).

Redeclaring a queue with other arguments fails with 406, so every process
declares from these same specs: the relay declares all of them before it
publishes (so an event is never routed to nowhere because a consumer has not
started yet), and each consumer declares its own.

Per consuming queue ``q``:
- ``q``: quorum queue bound to the exchange by routing keys;
- ``q.delay.<ms>``: one queue per delay tier, with a per-queue TTL whose
  dead-letter target is ``q`` itself (through the default exchange), so a
  retried message goes back to this consumer only, never to the others bound
  to the same routing key;
- ``q.dlq``: the parking lot, inspected and replayed by hand.

All of them are quorum queues, so a cluster that loses a node keeps every
one of them: a durable classic queue whose node is down cannot even be
declared again (``404 home node … is down``), which would keep every
consumer of the suite from reconnecting. The delay queues dead-letter
at-least-once (which quorum queues allow with ``reject-publish`` overflow),
so a retried message cannot vanish between its queue and ``q``. They were
classic ``q.retry.<ms>`` queues before; a broker that still has those lets
their messages return to ``q`` when they expire, after which they can be
deleted.

A binding taken away from a spec stays on the durable queue of a broker that
had it (declaring only adds): the spec lists it under ``retired`` and every
declaration unbinds it, which is a no-op where it is not bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from pika.adapters.blocking_connection import BlockingChannel


@dataclass(frozen=True)
class QueueSpec:
    name: str
    bindings: tuple[str, ...]
    # Deliveries before the broker dead-letters a message that keeps crashing
    # its consumer before any ack (our own retry count handles handler errors).
    delivery_limit: int = 20
    # Bindings this queue had once and must no longer have.
    retired: tuple[str, ...] = ()

    def retry_queue(self, delay_ms: int) -> str:
        return f"{self.name}.delay.{delay_ms}"

    @property
    def parking_queue(self) -> str:
        return f"{self.name}.dlq"


SUITE_QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec(
        "approvals.plan-events",
        (
            "plan.submitted",
            "plan.withdrawal_requested",
            "plan.withdrawn",
            "report.submitted",
            "report.withdrawal_requested",
            "report.withdrawn",
            # The organisation registry's copy: names in force, and the open tasks of a dissolved body.
            "organisation.#",
        ),
    ),
    QueueSpec(
        "plans.approval-events",
        (
            "approval.task_assigned",
            "approval.decision_recorded",
            "approval.task_delegated",
            "approval.completed",
            "approval.withdrawal_answered",
        ),
    ),
    QueueSpec("notifications.events", ("plan.#", "approval.#", "report.#", "call.#", "organisation.#")),
    # The plans service's overview read model: every fact about documents and calls, applied by the
    # plans consumer into its own tables (docs/overview.md). Of the approvals service's events it
    # reads the levels opened and the approval's end; the others (a decision that does not end the
    # approval above all) would each cost a transaction that changes nothing.
    QueueSpec(
        "plans.overview",
        ("plan.#", "approval.task_assigned", "approval.completed", "call.#", "report.#"),
        retired=("approval.#",),
    ),
)


def suite_queue(name: str) -> QueueSpec:
    for spec in SUITE_QUEUES:
        if spec.name == name:
            return spec
    raise KeyError(name)


def declare_exchange(channel: BlockingChannel, exchange: str) -> None:
    channel.exchange_declare(exchange=exchange, exchange_type="topic", durable=True)


def declare_queue(channel: BlockingChannel, exchange: str, spec: QueueSpec, retry_delays_ms: tuple[int, ...]) -> None:
    declare_exchange(channel, exchange)
    channel.queue_declare(
        queue=spec.name,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": spec.delivery_limit,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": spec.parking_queue,
        },
    )
    for key in spec.bindings:
        channel.queue_bind(queue=spec.name, exchange=exchange, routing_key=key)
    for key in spec.retired:
        channel.queue_unbind(queue=spec.name, exchange=exchange, routing_key=key)
    for delay in retry_delays_ms:
        channel.queue_declare(
            queue=spec.retry_queue(delay),
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-message-ttl": delay,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": spec.name,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )
    channel.queue_declare(queue=spec.parking_queue, durable=True, arguments={"x-queue-type": "quorum"})


def declare_all(
    channel: BlockingChannel, exchange: str, specs: tuple[QueueSpec, ...], retry_delays_ms: tuple[int, ...]
) -> None:
    for spec in specs:
        declare_queue(channel, exchange, spec, retry_delays_ms)
