from __future__ import annotations

import json

import pytest
from servicekit.events import Event, MalformedEvent, new_event


def test_an_event_round_trips_as_a_structured_cloudevent_in_utf8() -> None:
    event = new_event(
        "plan.submitted",
        source="/plans",
        subject="plans/7f3c",
        data={"plan_id": "7f3c", "title": "Kế hoạch thông tin đối ngoại tỉnh Cao Bằng năm 2024", "version": 1},
    )
    body = event.to_json()
    envelope = json.loads(body)
    assert envelope["specversion"] == "1.0"
    assert envelope["type"] == "vn.ttdn.plan.submitted"
    assert envelope["datacontenttype"] == "application/json"
    assert {"id", "source", "time", "subject", "data"} <= set(envelope)
    parsed = Event.from_json(body.encode("utf-8"))
    assert parsed == event
    assert parsed.routing_key == "plan.submitted"
    assert parsed.data["title"].startswith("Kế hoạch")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"{}",
        json.dumps({"specversion": "1.0", "id": "1", "source": "/x", "type": "com.other.thing", "data": {}}).encode(),
        json.dumps(
            {"specversion": "1.0", "id": "1", "source": "/x", "type": "vn.ttdn.plan.submitted", "data": [1]}
        ).encode(),
    ],
    ids=["not-json", "empty", "foreign-type", "array-data"],
)
def test_what_is_not_our_event_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedEvent):
        Event.from_json(body)
