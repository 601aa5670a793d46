"""The consumer of ``notifications.events``: each CloudEvent becomes inbox
messages, queued mail and webhook deliveries, in the transaction that also
records the event id in the inbox table (so a redelivery changes nothing)."""

from __future__ import annotations

from servicekit.consumer import EventConsumer, Handler
from servicekit.db import Database
from servicekit.events import Event
from servicekit.messagebus import MessageBus
from servicekit.topology import suite_queue
from sqlalchemy.orm import Session

from ..adapters.orm import Inbox
from ..config import NotificationsSettings
from ..domain.commands import IncomingEvent
from ..service_layer.unit_of_work import SqlUnitOfWork

QUEUE = "notifications.events"


def event_handler(bus: MessageBus) -> Handler:
    """The EventConsumer's handler: the use case runs in the consumer's own transaction."""

    def handle(session: Session, event: Event) -> None:
        incoming = IncomingEvent(id=event.id, name=event.name, data=event.data, json=event.to_json())
        bus.handle(incoming, SqlUnitOfWork(session=session))

    return handle


def build_consumer(settings: NotificationsSettings, db: Database, bus: MessageBus) -> EventConsumer:
    return EventConsumer(
        amqp_url=settings.amqp_url,
        exchange=settings.events_exchange,
        queue=suite_queue(QUEUE),
        db=db,
        inbox_model=Inbox,
        handle=event_handler(bus),
        prefetch=settings.consumer_prefetch,
        max_attempts=settings.max_delivery_attempts,
        retry_delays_ms=settings.retry_delays,
    )
