"""Calls from the web interface to the services, with the signed-in user's token.

The services are asked on their internal paths (the public ones without
``/api/v1``); one pooled keep-alive ``requests.Session`` per worker carries
them, built lazily after gunicorn forks."""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter


class ServiceUnavailable(Exception):
    """A service did not answer; the page says so instead of failing."""

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
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
    or control characters reaches the service as the one segment it was; None for a path
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


def pooled_session(pool_size: int = 16) -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class LazySession:
    """One ``requests.Session`` per process, made on first use (after the fork)."""

    def __init__(self, factory: Any = pooled_session) -> None:
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


class Services:
    def __init__(self, base_urls: dict[str, str], http: LazySession, *, timeout: float = 15.0) -> None:
        self.base_urls = {name: url.rstrip("/") for name, url in base_urls.items()}
        self.http = http
        self.timeout = timeout

    def call(
        self,
        service: str,
        method: str,
        path: str,
        token: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        request_id: str | None = None,
    ) -> Answer:
        sent = {"Authorization": f"Bearer {token}", "Accept": "application/json, application/pdf", **(headers or {})}
        if request_id:
            sent["X-Request-ID"] = request_id
        target = encoded_path(path)
        if target is None:
            return Answer(404, None)
        try:
            response = self.http.get().request(
                method, self.base_urls[service] + target, json=json, params=params, headers=sent, timeout=self.timeout
            )
        except requests.RequestException as error:
            raise ServiceUnavailable(service) from error
        if response.status_code >= 500:
            raise ServiceUnavailable(service)
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        headers = {name.lower(): value for name, value in response.headers.items()}
        return Answer(response.status_code, body, headers, response.content)
