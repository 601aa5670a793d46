"""Signing (Standard Webhooks) and POSTing a webhook attempt, and resolving host names,
with standardwebhooks, requests and the socket module."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime

import requests
from standardwebhooks.webhooks import Webhook

from ..domain.deliveries import DeliveryJob


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


@dataclass(frozen=True)
class RequestsWebhookSender:
    user_agent: str = "TTDN-Webhooks/1.0"

    def deliver(self, job: DeliveryJob, when: datetime, timeout: float) -> int:
        """One attempt: signed with the subscription's secret, the event id as ``webhook-id``
        (the same on every retry, so receivers deduplicate)."""
        headers = signed_headers(job.secret, job.event_id, job.payload, when)
        return self.post(job.url, job.payload.encode("utf-8"), headers, timeout)

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        """The receiver's status code; redirects are not followed (the URL was vetted, its target was not)."""
        try:
            response = requests.post(
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
        # The body is not needed: close without reading it, so a huge answer costs nothing.
        response.close()
        return response.status_code
