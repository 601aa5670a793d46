"""How upstream failures become problems, and what crosses the gateway (no I/O)."""

from __future__ import annotations

import pytest
from gateway.app import _public_location
from gateway.proxy import UpstreamClient, bad_gateway, is_json, upstream_problem
from servicekit.problems import Problem
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError, ProtocolError, ReadTimeoutError


def retried_out(reason: Exception) -> MaxRetryError:
    return MaxRetryError(None, "/plans", reason)


REFUSED = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")


@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (retried_out(REFUSED), 503, "upstream-unavailable"),
        (retried_out(ConnectTimeoutError(None, "timed out")), 504, "upstream-timeout"),
        (ReadTimeoutError(None, "/plans", "Read timed out."), 504, "upstream-timeout"),
        (ProtocolError("Connection aborted.", ConnectionResetError(104)), 502, "bad-upstream"),
        (ProtocolError("Response ended prematurely"), 502, "bad-upstream"),
    ],
    ids=["refused", "connect-timeout", "read-timeout", "reset", "cut-short"],
)
def test_transport_failures_map_to_gateway_statuses(error: Exception, status: int, slug: str) -> None:
    problem = upstream_problem("approvals", error)

    assert (problem.status, problem.slug) == (status, slug)
    assert "approvals" in problem.detail
    assert ("Retry-After" in problem.headers) == (status == 503)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/html; charset=utf-8", b"<html>Internal Server Error</html>"),
        ("application/json", '{"title": "Kế ho'.encode()),
        (None, b"ok"),
    ],
)
def test_bodies_that_are_not_json_are_bad_gateway(content_type: str | None, body: bytes) -> None:
    with pytest.raises(Problem) as refused_answer:
        UpstreamClient._check_json("plans", content_type, body)
    assert refused_answer.value.status == 502


def test_json_and_problem_json_pass() -> None:
    UpstreamClient._check_json("plans", "application/problem+json", '{"title": "Không tìm thấy"}'.encode())
    assert is_json("application/json; charset=utf-8") and not is_json("text/plain")


@pytest.mark.parametrize(
    ("location", "public"),
    [
        ("/plans/0b6c5a52", "/api/v1/plans/0b6c5a52"),
        ("http://127.0.0.1:8001/plans/0b6c5a52", "/api/v1/plans/0b6c5a52"),
        ("http://plans:8001/plans/0b6c5a52/versions/2", "/api/v1/plans/0b6c5a52/versions/2"),
        ("/api/v1/plans/0b6c5a52", "/api/v1/plans/0b6c5a52"),
    ],
)
def test_locations_are_made_public(location: str, public: str) -> None:
    assert _public_location(location) == public


def test_problems_name_the_service_not_its_address() -> None:
    problem = bad_gateway("notifications", "answered with invalid JSON")
    assert problem.to_dict()["detail"] == "The notifications service answered with invalid JSON."


def test_what_json_reads_passes_even_where_the_fast_parser_refuses() -> None:
    # orjson checks first; json decides what orjson refuses (NaN is json's, not orjson's).
    UpstreamClient._check_json("plans", "application/json", b'{"ratio": NaN}')
    with pytest.raises(Problem):
        UpstreamClient._check_json("plans", "application/json", b'{"ratio": NaN')
