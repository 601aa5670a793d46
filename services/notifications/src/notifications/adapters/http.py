"""Signing (Standard Webhooks) and POSTing a webhook attempt, and resolving host names,
with standardwebhooks, requests and the socket module."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from standardwebhooks.webhooks import Webhook
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ..domain.deliveries import DeliveryJob

# Called with the URL's host and the address a connection reached, before anything is
# sent; raises to refuse (the policy's UnsafeWebhookTarget).
ConnectionCheck = Callable[[str, str], None]


class DeliveryError(Exception):
    """The receiver could not be reached or did not answer in time."""


def resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to (A and AAAA)."""
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})


def signed_headers(secret: str, message_id: str, payload: str, when: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt (the timestamp is the attempt's)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, when, payload),
        "Content-Type": "application/json",
    }


def _checked(connection_class: type[HTTPConnection], check: ConnectionCheck) -> type[HTTPConnection]:
    class CheckedConnection(connection_class):  # type: ignore[valid-type,misc]
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            try:
                check(self.host, sock.getpeername()[0])
            except BaseException:
                sock.close()
                raise
            return sock

    return CheckedConnection


class CheckedAdapter(HTTPAdapter):
    """A transport adapter that judges the address each new connection really reached:
    the URL's host was vetted by name, and a second DNS answer (rebinding) must not
    take the request somewhere else."""

    def __init__(self, check: ConnectionCheck) -> None:
        self._check = check
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        check = self._check

        class CheckedHTTPPool(HTTPConnectionPool):
            ConnectionCls = _checked(HTTPConnection, check)

        class CheckedHTTPSPool(HTTPSConnectionPool):
            ConnectionCls = _checked(HTTPSConnection, check)

        self.poolmanager.pool_classes_by_scheme = {"http": CheckedHTTPPool, "https": CheckedHTTPSPool}


@dataclass(frozen=True)
class RequestsWebhookSender:
    user_agent: str = "TTDN-Webhooks/1.0"
    check_connection: ConnectionCheck | None = field(default=None)

    def deliver(self, job: DeliveryJob, when: datetime, timeout: float) -> int:
        """One attempt: signed with the subscription's secret, the event id as ``webhook-id``
        (the same on every retry, so receivers deduplicate)."""
        headers = signed_headers(job.secret, job.event_id, job.payload, when)
        return self.post(job.url, job.payload.encode("utf-8"), headers, timeout)

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        """The receiver's status code; redirects are not followed (the URL was vetted, its target was not)."""
        http = requests.Session()
        if self.check_connection is not None:
            adapter = CheckedAdapter(self.check_connection)
            http.mount("http://", adapter)
            http.mount("https://", adapter)
        try:
            response = http.post(
                url,
                data=body,
                headers={**headers, "User-Agent": self.user_agent},
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
        except requests.Timeout as error:
            raise DeliveryError(f"timed out after {timeout:g} s") from error
        except requests.RequestException as error:
            raise DeliveryError(f"{error.__class__.__name__}: {error}"[:500]) from error
        finally:
            http.close()
        # The body is not needed: close without reading it, so a huge answer costs nothing.
        response.close()
        return response.status_code
