"""POSTing a signed webhook body and resolving host names, with requests and the socket module."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import requests


class DeliveryError(Exception):
    """The receiver could not be reached or did not answer in time."""


def resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to (A and AAAA)."""
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})


@dataclass(frozen=True)
class RequestsWebhookSender:
    user_agent: str = "TTDN-Webhooks/1.0"

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
