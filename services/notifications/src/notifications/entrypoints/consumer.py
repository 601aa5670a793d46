"""The consumer of ``notifications.events``: each CloudEvent becomes inbox
messages, queued mail and webhook deliveries, in the transaction that also
records the event id in the inbox table (so a redelivery changes nothing)."""

from __future__ import annotations

from servicekit.consumer import EventConsumer, Handler
from servicekit.events import Event
from servicekit.topology import suite_queue
from sqlalchemy.orm import Session

from ..adapters.orm import Inbox
from ..bootstrap import Dependencies
from ..service_layer.handlers import IncomingEvent, handle_event
from ..service_layer.unit_of_work import SqlUnitOfWork

QUEUE = "notifications.events"


def event_handler(deps: Dependencies) -> Handler:
    messaging = deps.messaging
    retry = deps.retry_policy

    def handle(session: Session, event: Event) -> None:
        incoming = IncomingEvent(id=event.id, name=event.name, data=event.data, json=event.to_json())
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
