"""The consumer of ``notifications.events``: each CloudEvent becomes inbox
messages, queued mail and webhook deliveries, in the transaction that also
records the event id in the inbox table (so a redelivery changes nothing)."""

from __future__ import annotations

from typing import Any

from servicekit.consumer import EventConsumer, Handler
from servicekit.contracts import events as contract
from servicekit.events import Event
from servicekit.topology import suite_queue
from sqlalchemy.orm import Session

from ..adapters.orm import Inbox
from ..bootstrap import Dependencies
from ..service_layer.handlers import IncomingEvent, handle_event
from ..service_layer.unit_of_work import SqlUnitOfWork

QUEUE = "notifications.events"


def contract_data(event: Event) -> dict[str, Any]:
    """The payload as the contract reads it (servicekit.contracts.events): a payload that
    breaks it is parked as a MalformedEvent; a type the contract does not know yet passes
    as it came, for the integrators who subscribed to everything."""
    if event.name not in contract.EVENTS:
        return dict(event.data)
    return contract.parse(event.name, event.data).payload()


def event_handler(deps: Dependencies) -> Handler:
    messaging = deps.messaging
    retry = deps.retry_policy

    def handle(session: Session, event: Event) -> None:
        incoming = IncomingEvent(id=event.id, name=event.name, data=contract_data(event), json=event.to_json())
        handle_event(SqlUnitOfWork(session), incoming, messaging, retry)

    return handle


def build_consumer(deps: Dependencies) -> EventConsumer:
    settings = deps.settings
    return EventConsumer(
        amqp_url=settings.amqp_url,
        exchange=settings.events_exchange,
        queue=suite_queue(QUEUE),
        db=deps.db,
        inbox_model=Inbox,
        handle=event_handler(deps),
        prefetch=settings.consumer_prefetch,
        max_attempts=settings.max_delivery_attempts,
        retry_delays_ms=settings.retry_delays,
    )
