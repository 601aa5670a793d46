"""The web interface's one way to the services: the gateway's own ``/api/v1``.

Each call runs the gateway's API pipeline in-process for a synthetic request
carrying the signed-in user's token — the same rate limit, route table, token
check, role check, body limit and proxy code an integrator meets — and hands
back what the API answered. No HTTP request from the gateway to itself (which
would tie up a second worker thread per page and could deadlock a busy
gateway), no internal paths past the route table, no second HTTP client.

The identity provider (login, refresh) is the only other party the web talks
to; :class:`LazySession` carries those calls.
"""

from __future__ import annotations

import json as jsonlib
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from flask import Flask, has_request_context, request
from requests.adapters import HTTPAdapter
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from ..routes import API_PREFIX, MethodNotAllowed, NotFound, RouteTable


class ServiceUnavailable(Exception):
    """A service did not answer (the API said 502, 503 or 504); the page says so instead of failing."""

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""  # the raw body (a signed PDF is not JSON)
    content: bytes = b""  # the raw body (a signed PDF is not JSON)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def field_errors(self) -> dict[str, Any]:
        """A problem+json's per-field errors (marshmallow's nesting), or none."""
        if isinstance(self.body, dict) and isinstance(self.body.get("errors"), dict):
            return self.body["errors"]
        return {}

    @property
    def detail(self) -> str:
        if isinstance(self.body, dict):
            return str(self.body.get("detail") or self.body.get("title") or "")
        return ""


# What may stand in a path segment unencoded (RFC 3986 pchar, less "%": a value's own
# "%" is encoded, so "%2F" stays three characters and never becomes a "/").
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@"


def encoded_path(path: str) -> str | None:
    """``path`` with every segment percent-encoded, so that an id holding "?", "#", spaces
    or control characters reaches the API as the one segment it was; None for a path
    with a "." or ".." segment, which would name another resource than the one asked for."""
    segments = path.split("/")
    if any(segment in (".", "..") for segment in segments):
        return None
    return "/".join(quote(segment, safe=_SEGMENT_SAFE) for segment in segments)


def is_id(value: str) -> bool:
    """Is ``value`` an id as the services make them (a UUID, canonical form)?"""
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (ValueError, AttributeError, TypeError):
        return False


class PublicApi:
    """``call(method, path, token)``: the public API as a function, for the web's views."""

    def __init__(self, app: Flask, table: RouteTable) -> None:
        self.app = app
        self.table = table

    def call(
        self,
        method: str,
        path: str,
        token: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        request_id: str | None = None,
    ) -> Answer:
        """``path`` is the public path without ``/api/v1`` (``/plans/{id}``)."""
        target = encoded_path(path)
        if target is None:
            return Answer(404, None)
        sent = {"Authorization": f"Bearer {token}", "Accept": "application/json, application/pdf", **(headers or {})}
        if request_id:
            sent["X-Request-ID"] = request_id
        builder = EnvironBuilder(
            path=API_PREFIX + target,
            method=method,
            query_string=params,
            headers=sent,
            json=json,
            # The browser's address and the host it used, as a proxied API call would show them.
            base_url=request.host_url if has_request_context() else None,
            environ_base={"REMOTE_ADDR": (request.remote_addr if has_request_context() else None) or "127.0.0.1"},
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        # A fresh application context: the API's request keeps its own ``g`` (principal, route,
        # request timers) and leaves the page's untouched.
        with self.app.app_context():
            response = Response.from_app(self.app.wsgi_app, environ, buffered=True)
        if response.status_code >= 500:
            raise ServiceUnavailable(self._service_of(method, path))
        content = response.get_data()
        try:
            body = jsonlib.loads(content) if content else None
        except ValueError:
            body = None
        headers = {name.lower(): value for name, value in response.headers.items()}
        return Answer(response.status_code, body, headers, content)

    def _service_of(self, method: str, path: str) -> str:
        try:
            route, _ = self.table.match(method, API_PREFIX + path.partition("?")[0])
        except (NotFound, MethodNotAllowed):  # no route: the gateway itself failed
            return "gateway"
        return route.service


def pooled_session(pool_size: int = 16) -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class LazySession:
    """One ``requests.Session`` per process for the identity provider, made on first use (after the fork)."""

    def __init__(self, factory: Callable[[], requests.Session] = pooled_session) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._session: requests.Session | None = None

    def get(self) -> requests.Session:
        with self._lock:
            if self._session is None or self._pid != os.getpid():
                self._session = self._factory()
                self._pid = os.getpid()
            return self._session
