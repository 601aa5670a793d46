"""The consumer of ``notifications.events``: each CloudEvent becomes inbox
messages, queued mail and webhook deliveries, in the transaction that also
records the event id in the inbox table (so a redelivery changes nothing)."""

from __future__ import annotations

from typing import Any

from servicekit.consumer import EventConsumer, Handler
from servicekit.contracts import events as contract
from servicekit.db import Database
from servicekit.events import Event
from servicekit.messagebus import MessageBus
from sqlalchemy.orm import Session

from ..adapters.orm import Inbox
from ..config import NotificationsSettings
from ..domain.commands import IncomingEvent
from ..service_layer.unit_of_work import SqlUnitOfWork

QUEUE = "notifications.events"


def contract_data(event: Event) -> dict[str, Any]:
    """The payload as the contract reads it (servicekit.contracts.events): a payload that
    breaks it is parked as a MalformedEvent; a type the contract does not know yet passes
    as it came, for the integrators who subscribed to everything."""
    if event.name not in contract.EVENTS:
        return dict(event.data)
    return contract.parse(event.name, event.data).payload()


def event_handler(bus: MessageBus) -> Handler:
    """The EventConsumer's handler: the use case runs in the consumer's own transaction."""

    def handle(session: Session, event: Event) -> None:
        incoming = IncomingEvent(id=event.id, name=event.name, data=contract_data(event), json=event.to_json())
        bus.handle(incoming, SqlUnitOfWork(session=session))

    return handle


def build_consumer(settings: NotificationsSettings, db: Database, bus: MessageBus, **options: Any) -> EventConsumer:
    """The consumer of ``notifications.events`` (``options`` replace what the settings configure)."""
    return EventConsumer.from_settings(
        settings, queue=QUEUE, db=db, inbox_model=Inbox, handle=event_handler(bus), **options
    )
