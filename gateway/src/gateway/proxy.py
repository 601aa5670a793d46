"""Forwarding a public request to the service that owns it.

One pool of keep-alive connections per service (a urllib3 connection pool,
the engine under ``requests`` without its per-call session machinery, which
was the largest CPU cost of a proxied request; and without a ``PoolManager``,
which would parse each URL and key a pool by it on every call) per worker
process, built lazily after gunicorn forks: a pool inherited across fork
would share sockets between processes. Every failure of an upstream becomes a problem+json that says
which service failed and how, never where it lives:

- connection refused (service stopped or restarting) -> 503 with Retry-After
- no connection or no answer within the timeouts        -> 504
- connection dropped, broken HTTP, non-JSON or invalid JSON body -> 502
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson
import urllib3
from servicekit.list_versions import requested_wait
from servicekit.problems import Problem
from urllib3.connectionpool import HTTPConnectionPool, connection_from_url
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

# RFC 9110 §7.6.1 hop-by-hop headers, plus those the client sets itself.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
# Also not copied back: the body is re-encoded by us, and Server/Date/X-Request-ID
# are the gateway's own.
RESPONSE_HEADERS_DROPPED = HOP_BY_HOP | {"content-encoding", "server", "date", "x-request-id"}

RETRY_AFTER_SECONDS = "5"
_CHUNK = 65536


@dataclass(frozen=True)
class UpstreamResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json(content_type: str | None) -> bool:
    media_type = _media_type(content_type)
    return media_type == "application/json" or media_type.endswith("+json")


class UpstreamClient:
    def __init__(
        self,
        base_urls: Mapping[str, str],
        *,
        connect_timeout: float = 2.0,
        read_timeout: float = 15.0,
        pool_size: int = 32,
        max_response_bytes: int = 16 * 1_048_576,
    ) -> None:
        self.base_urls = {service: url.rstrip("/") for service, url in base_urls.items()}
        # What a service's base URL adds before each path (empty unless it is mounted under one).
        self._prefixes = {service: urlsplit(url).path for service, url in self.base_urls.items()}
        self.timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self.pool_size = pool_size
        self.max_response_bytes = max_response_bytes
        self._lock = threading.Lock()
        self._pools: dict[str, HTTPConnectionPool] | None = None
        self._pid: int | None = None

    @property
    def pools(self) -> dict[str, HTTPConnectionPool]:
        pid = os.getpid()
        if self._pools is None or self._pid != pid:
            with self._lock:
                if self._pools is None or self._pid != pid:
                    self._pools = self._build_pools()
                    self._pid = pid
        return self._pools

    def _build_pools(self) -> dict[str, HTTPConnectionPool]:
        # One retry of the connection only (never of a request already sent):
        # it covers an upstream worker restarting without doubling a slow read.
        # read=False re-raises read errors as they are, so a read timeout stays a timeout.
        retries = Retry(total=1, connect=1, read=False, redirect=0, status=0, other=0, raise_on_status=False)
        # urllib3 logs each connection retry as a warning; our own log line
        # (upstream_problem) already reports the failure that matters.
        logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
        # block=False (the default): a burst beyond pool_size opens extra connections rather than queueing.
        return {
            service: connection_from_url(url, maxsize=self.pool_size, retries=retries, timeout=self.timeout)
            for service, url in self.base_urls.items()
        }

    def close(self) -> None:
        if self._pools is not None:
            for pool in self._pools.values():
                pool.close()
            self._pools = None

    # -- forwarding
    def send(
        self,
        service: str,
        method: str,
        path: str,
        *,
        query: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        media_types: tuple[str, ...] = (),
    ) -> UpstreamResponse:
        """``media_types``: what the answer may be besides JSON (a route's own, e.g. application/pdf)."""
        target = self._prefixes[service] + path + (f"?{query}" if query else "")
        try:
            response = self.pools[service].urlopen(
                method,
                target,
                body=body or None,
                headers=dict(headers or {}),
                timeout=self.timeout,
                redirect=False,
                preload_content=False,
            )
            try:
                content = self._read_bounded(service, response)
            finally:
                response.release_conn()
        except HTTPError as error:
            raise upstream_problem(service, error) from None
        upstream_headers = [
            (name, value) for name, value in response.headers.items() if name.lower() not in RESPONSE_HEADERS_DROPPED
        ]
        content_type = response.headers.get("Content-Type")
        if content and method != "HEAD" and _media_type(content_type) not in media_types:
            self._check_json(service, content_type, content)
        return UpstreamResponse(response.status, upstream_headers, content)

    def _read_bounded(self, service: str, response: urllib3.BaseHTTPResponse) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_response_bytes:
            raise bad_gateway(service, "answered with an oversized body")
        chunks = []
        size = 0
        for chunk in response.stream(_CHUNK):
            size += len(chunk)
            if size > self.max_response_bytes:
                raise bad_gateway(service, "answered with an oversized body")
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _check_json(service: str, content_type: str | None, content: bytes) -> None:
        # Every API answer is JSON; anything else (an HTML error page, a half
        # body) is a broken upstream that clients must not be handed as data.
        # The body is relayed as it came, so it is only parsed to be checked: by orjson,
        # a fifth of json's cost on a plan; what orjson refuses is asked of json, so the
        # answers that pass stay exactly json's (NaN, say, which orjson does not read).
        if not is_json(content_type):
            raise bad_gateway(service, "answered with a body that is not JSON")
        try:
            orjson.loads(content)
        except orjson.JSONDecodeError:
            try:
                json.loads(content)
            except ValueError:
                raise bad_gateway(service, "answered with invalid JSON") from None

    def get_json(self, service: str, path: str, *, timeout: float | None = None) -> dict:
        """A small JSON document from a service (its OpenAPI, its readiness)."""
        read = timeout or self.timeout.read_timeout
        response = self.pools[service].request(
            "GET",
            self._prefixes[service] + path,
            timeout=urllib3.Timeout(connect=self.timeout.connect_timeout, read=read),
        )
        if response.status != 200:
            raise ValueError(f"{service}{path} answered {response.status}")
        document = json.loads(response.data)
        if not isinstance(document, dict):
            raise ValueError(f"{service}{path} is not a JSON object")
        return document

    def is_ready(self, service: str) -> bool:
        try:
            response = self.pools[service].request(
                "GET",
                self._prefixes[service] + "/readyz",
                timeout=urllib3.Timeout(connect=self.timeout.connect_timeout, read=3.0),
            )
        except HTTPError:
            return False
        return response.status == 200


def within_read_timeout(prefer: str, read_timeout: float) -> str:
    """``prefer`` (a ``Prefer`` header) with a ``wait=N`` (RFC 7240) lowered to leave the service a
    second to answer within the gateway's read timeout: a long poll outlasting it would come back to
    its caller as a 504, not as the ``304`` it waited for. Other preferences pass unchanged."""
    longest = read_timeout - 1.0
    if requested_wait(prefer) <= longest:
        return prefer
    others = [preference.strip() for preference in prefer.split(",") if not requested_wait(preference)]
    return ", ".join([*others, f"wait={longest:g}"] if longest > 0 else others)


def upstream_problem(service: str, error: HTTPError) -> Problem:
    reason = error.reason if isinstance(error, MaxRetryError) else error
    if isinstance(reason, NewConnectionError):  # checked first: urllib3 makes it a ConnectTimeoutError too
        log.warning("upstream unavailable", extra={"upstream": service})
        return Problem(
            503,
            "Service unavailable",
            f"The {service} service is not accepting connections; retry shortly.",
            slug="upstream-unavailable",
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        )
    if isinstance(reason, ConnectTimeoutError | ReadTimeoutError):
        log.warning("upstream timeout", extra={"upstream": service, "error": reason.__class__.__name__})
        return Problem(
            504, "Gateway timeout", f"The {service} service did not answer in time.", slug="upstream-timeout"
        )
    log.warning("upstream failure", extra={"upstream": service, "error": error.__class__.__name__})
    return bad_gateway(service, "broke off or answered with invalid HTTP")


def bad_gateway(service: str, what: str) -> Problem:
    return Problem(502, "Bad gateway", f"The {service} service {what}.", slug="bad-upstream")
