"""One keyset-cursor codec for every list, and one answer to a cursor we did not make."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask import Flask
from servicekit.pagination import InvalidCursor, decode_cursor, encode_cursor
from servicekit.problems import register_error_handlers

TASK = "c2e4a6b8-1d3f-4a5c-9e7b-2f4d6a8c0e13"


def test_a_cursor_round_trips_and_a_naive_moment_is_utc() -> None:
    hanoi = datetime(2024, 3, 7, 17, 0, 0, 120_000, tzinfo=timezone(timedelta(hours=7)))
    assert decode_cursor(encode_cursor(hanoi, TASK)) == (hanoi, TASK)
    naive = datetime(2024, 3, 7, 10, 0)  # SQLite gives moments back without their zone
    assert decode_cursor(encode_cursor(naive, TASK)) == (naive.replace(tzinfo=UTC), TASK)
    assert "=" not in encode_cursor(naive, TASK)


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor!",
        _b64("2024-03-07T10:00:00+00:00"),
        _b64(["2024-03-07T10:00:00", TASK]),  # no zone: not one we made
        _b64(["2024-03-07T10:00:00+00:00", 42]),
        _b64(["hôm qua", TASK]),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_cursor_we_did_not_make_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor)


def test_every_service_answers_a_foreign_cursor_with_a_422_naming_the_cursor() -> None:
    app = Flask(__name__)
    register_error_handlers(app)

    @app.get("/items")
    def items() -> dict[str, str]:
        decode_cursor("forged")
        return {}

    response = app.test_client().get("/items")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == {"cursor": ["Not a cursor this service issued."]}
