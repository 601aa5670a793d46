"""The event contract: CloudEvents 1.0, structured JSON mode (architecture §5).

The envelope is built and parsed by the CloudEvents SDK; this module adds the
suite's conventions: the ``vn.ttdn.`` type prefix, routing key = type without
the prefix, and a small immutable :class:`Event` the handlers receive.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

TYPE_PREFIX = "vn.ttdn."
_FORMAT = JSONFormat()


class MalformedEvent(ValueError):
    """A message that is not a CloudEvent of ours; it can never succeed."""


@dataclass(frozen=True)
class Event:
    type: str
    source: str
    subject: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def routing_key(self) -> str:
        return routing_key_for(self.type)

    @property
    def name(self) -> str:
        """The short name used in code and routing, e.g. ``plan.submitted``."""
        return self.routing_key

    def to_json(self) -> str:
        attributes = {
            "specversion": "1.0",
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time,
            "subject": self.subject,
            "datacontenttype": "application/json",
        }
        return _FORMAT.write(CloudEvent(attributes, self.data)).decode("utf-8")

    @classmethod
    def from_json(cls, body: bytes | str) -> Event:
        try:
            cloud_event = _FORMAT.read(CloudEvent, body)
        except Exception as error:  # the SDK raises several types for bad input
            raise MalformedEvent(str(error)) from error
        attributes = cloud_event.get_attributes()
        data = cloud_event.get_data()
        if isinstance(data, (bytes, str)):
            try:
                data = json.loads(data)
            except ValueError as error:
                raise MalformedEvent("data is not JSON") from error
        if not isinstance(data, dict) or not str(attributes.get("type", "")).startswith(TYPE_PREFIX):
            raise MalformedEvent("not a vn.ttdn event with an object payload")
        time = attributes.get("time") or datetime.now(UTC)
        return cls(
            type=attributes["type"],
            source=attributes["source"],
            subject=attributes.get("subject", ""),
            data=data,
            id=attributes["id"],
            time=time,
        )


def event_type(name: str) -> str:
    """``plan.submitted`` -> ``vn.ttdn.plan.submitted``."""
    return name if name.startswith(TYPE_PREFIX) else TYPE_PREFIX + name


def routing_key_for(type_: str) -> str:
    return type_[len(TYPE_PREFIX) :] if type_.startswith(TYPE_PREFIX) else type_


def new_event(name: str, *, source: str, subject: str, data: dict[str, Any], id: str | None = None) -> Event:
    kwargs: dict[str, Any] = {"type": event_type(name), "source": source, "subject": subject, "data": data}
    if id:
        kwargs["id"] = id
    return Event(**kwargs)
