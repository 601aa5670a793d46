"""The AsyncAPI 3.0 document of the suite's events, made from :mod:`.events`.

``python -m servicekit.contracts.asyncapi > docs/asyncapi.yaml`` (``make
asyncapi``) writes it; a test regenerates it, compares it with the committed
file and validates it against the AsyncAPI 3.0.0 JSON schema. Each event type
is one channel (its routing key on the ``ttdn.events`` topic exchange), one
``send`` operation by its producer and one ``receive`` operation per queue
that consumes it (:data:`servicekit.topology.SUITE_QUEUES`).
"""

from __future__ import annotations

import sys
from fnmatch import fnmatchcase
from typing import Any

from pydantic import TypeAdapter

from ..events import TYPE_PREFIX
from ..topology import SUITE_QUEUES
from . import events
from .examples import EXAMPLES

VERSION = "1.0.0"
EXCHANGE = "ttdn.events"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
REF = "#/components/schemas/{model}"
AMQP_BINDING_VERSION = "0.3.0"

DESCRIPTION = """\
Every event of the TTĐN Plan Approval Suite: a CloudEvents 1.0 event in structured
JSON mode, published persistent with publisher confirms to the durable topic
exchange `ttdn.events`, its routing key the type without `vn.ttdn.`. `subject` is
`plans/{plan_id}` for every event about a document, `calls/{call_id}` for a ministry's call,
`organisations/{organisation_id}` for the organisation registry.
Producers may add fields; consumers ignore fields they do not know. docs/events.md explains the contract in prose; this
document is generated from servicekit.contracts.events, the one definition that
producers emit and consumers parse."""

ENVELOPE: dict[str, Any] = {
    "type": "object",
    "description": "The CloudEvents 1.0 envelope (structured mode).",
    "required": ["specversion", "id", "source", "type", "time", "subject", "datacontenttype", "data"],
    "properties": {
        "specversion": {"type": "string", "const": "1.0"},
        "id": {"type": "string", "description": "Unique per event; consumers deduplicate on it."},
        "source": {"type": "string", "description": "The producing service, e.g. `/ttdn/plans`."},
        "type": {"type": "string", "description": "`vn.ttdn.` and the routing key."},
        "time": {"type": "string", "format": "date-time"},
        "subject": {
            "type": "string",
            "pattern": "^(plans|calls|organisations)/",
            "description": "`plans/{plan_id}`, `calls/{call_id}` for a ministry's call, "
            "`organisations/{organisation_id}` for the organisation registry.",
        },
        "datacontenttype": {"type": "string", "const": "application/json"},
        "data": {"type": "object"},
    },
}


def _camel(name: str) -> str:
    """``approval.task_assigned`` -> ``approvalTaskAssigned``."""
    words = name.replace(".", "_").split("_")
    return words[0] + "".join(word.capitalize() for word in words[1:])


def _payload_schemas() -> dict[str, Any]:
    """Each payload class's JSON Schema (as written on the wire), shared parts under their own names."""
    inputs = [(cls.__name__, "serialization", events.adapter(cls)) for cls in events.EVENTS.values()]
    by_name, top = TypeAdapter.json_schemas(inputs, ref_template=REF, by_alias=True)  # type: ignore[arg-type]
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    for cls in events.EVENTS.values():
        if by_name[(cls.__name__, "serialization")].get("$ref") != REF.format(model=cls.__name__):
            raise RuntimeError(f"{cls.__name__} has no schema of its own name")
        schemas[cls.__name__]["description"] = _doc(cls)
    return schemas


def _doc(cls: type[Any]) -> str:
    doc = " ".join((cls.__doc__ or "").split())
    own = doc and not doc.startswith(cls.__name__ + "(")  # not the signature dataclass writes
    return f"{doc if own else ''} Produced by {events.PRODUCERS[cls.name]}.".strip()


def _consumers(name: str) -> list[str]:
    return [
        spec.name for spec in SUITE_QUEUES if any(fnmatchcase(name, key.replace("#", "*")) for key in spec.bindings)
    ]


def example_event(name: str) -> dict[str, Any]:
    """The example of ``name`` as it travels: the CloudEvent around its data."""
    example = EXAMPLES[name]
    return {
        "specversion": "1.0",
        "id": "0b6c2f4e-8a1d-4c7b-9e3f-5d2a7c9e1b40",
        "source": f"/ttdn/{events.PRODUCERS[name]}",
        "type": TYPE_PREFIX + name,
        "time": "2024-03-04T01:00:00.120000+00:00",
        "subject": events.aggregate_of(example),
        "datacontenttype": "application/json",
        "data": events.to_data(example),
    }


def document() -> dict[str, Any]:
    schemas: dict[str, Any] = {"CloudEvent": ENVELOPE, **_payload_schemas()}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for name, cls in events.EVENTS.items():
        key = _camel(name)
        messages[key] = {
            "name": TYPE_PREFIX + name,
            "title": TYPE_PREFIX + name,
            "summary": _doc(cls),
            "contentType": CONTENT_TYPE,
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/CloudEvent"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": TYPE_PREFIX + name},
                            "data": {"$ref": REF.format(model=cls.__name__)},
                        },
                    },
                ]
            },
            # The AMQP ``type`` property carries the event type too (servicekit.broker).
            "bindings": {"amqp": {"messageType": TYPE_PREFIX + name, "bindingVersion": AMQP_BINDING_VERSION}},
            "examples": [{"name": _camel(name), "payload": example_event(name)}],
        }
        channels[key] = {
            "address": name,
            "description": f"Routing key `{name}` on the `{EXCHANGE}` exchange.",
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": {"name": EXCHANGE, "type": "topic", "durable": True, "autoDelete": False, "vhost": "/"},
                    "bindingVersion": AMQP_BINDING_VERSION,
                }
            },
        }
        producer = events.PRODUCERS[name]
        operations[f"{producer}Send{key[0].upper()}{key[1:]}"] = {
            "action": "send",
            "title": f"{producer} publishes {name}",
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}],
            "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": AMQP_BINDING_VERSION}},
        }
        for queue in _consumers(name):
            operations[f"{_camel(queue.replace('-', '_'))}Receive{key[0].upper()}{key[1:]}"] = {
                "action": "receive",
                "title": f"{queue} receives {name}",
                "channel": {"$ref": f"#/channels/{key}"},
                "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}],
                "bindings": {
                    "amqp": {"ack": True, "deliveryMode": 2, "bindingVersion": AMQP_BINDING_VERSION},
                },
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "TTĐN Plan Approval Suite events",
            "version": VERSION,
            "description": " ".join(DESCRIPTION.split()),
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "rabbitmq": {
                "host": "localhost:5672",
                "protocol": "amqp",
                "protocolVersion": "0-9-1",
                "description": "The suite's RabbitMQ (AMQP_URL); every service publishes and consumes here.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def to_yaml(document: dict[str, Any]) -> str:
    import yaml  # a development tool: the services themselves never write the document

    header = "# Generated by `python -m servicekit.contracts.asyncapi` (make asyncapi); do not edit by hand.\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def main() -> None:
    sys.stdout.write(to_yaml(document()))


if __name__ == "__main__":
    main()
