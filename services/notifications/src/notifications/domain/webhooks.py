"""Integrator webhooks: subscriptions, which events they receive, where they may
point, and how failed deliveries are retried."""

from __future__ import annotations

import base64
import ipaddress
import math
import random
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from .deliveries import DeliveryStatus
from .errors import UnsafeWebhookTarget

__all__ = ["DeliveryStatus", "Resolver", "RetryPolicy", "Subscription", "TargetPolicy", "new_signing_secret"]

SECRET_PREFIX = "whsec_"


def new_signing_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


@dataclass(frozen=True)
class Subscription:
    id: str
    owner: str
    url: str
    event_types: tuple[str, ...]
    province: str | None
    secret: str
    created_at: datetime

    def wants(self, event_name: str, data: Mapping[str, Any]) -> bool:
        """Does this subscription receive the event? Type must match; a province filter
        matches the plan's province (ministry-wide events carry the plan's province too)."""
        if event_name not in self.event_types:
            return False
        return self.province is None or data.get("province") == self.province


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded by a give-up time."""

    base_seconds: float = 5.0
    cap_seconds: float = 3600.0
    give_up_after_seconds: float = 86400.0

    def delay(self, attempt: int, rng: Callable[[float, float], float] = random.uniform) -> float:
        """The wait after the ``attempt``-th failure (1-based): uniform in [0, min(cap, base·2^(n-1))]."""
        exponent = min(attempt - 1, 62)  # 2**62 seconds is forever; keep the float finite
        ceiling = min(self.cap_seconds, self.base_seconds * math.pow(2, exponent))
        return rng(0.0, ceiling)

    def give_up_at(self, created_at: datetime) -> datetime:
        return created_at + timedelta(seconds=self.give_up_after_seconds)

    def next_attempt_at(
        self, now: datetime, attempt: int, give_up_at: datetime, rng: Callable[[float, float], float] = random.uniform
    ) -> datetime | None:
        """When to try again after a failed attempt, or ``None`` to give up."""
        if now >= give_up_at:
            return None
        return min(now + timedelta(seconds=self.delay(attempt, rng)), give_up_at)


Resolver = Callable[[str], Iterable[str]]


@dataclass(frozen=True)
class TargetPolicy:
    """Where webhooks may be sent: http(s) only, no credentials, and no private,
    loopback, link-local, multicast or reserved address unless allow-listed.
    The allow-list holds host names or CIDRs (``127.0.0.1``, ``10.0.0.0/8``)."""

    allowed: tuple[str, ...] = ()

    def check(self, url: str, resolve: Resolver) -> str:
        """Return the URL if it is an acceptable target; raise :class:`UnsafeWebhookTarget`."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise UnsafeWebhookTarget(f"not a valid URL: {error}") from None
        if parts.scheme not in ("http", "https"):
            raise UnsafeWebhookTarget("only http and https URLs are accepted")
        if parts.username is not None or parts.password is not None:
            raise UnsafeWebhookTarget("credentials in the URL are not accepted; the signature authenticates us")
        host = (parts.hostname or "").lower()
        if not host:
            raise UnsafeWebhookTarget("the URL has no host")
        if port == 0:
            raise UnsafeWebhookTarget("port 0 is not a valid target")
        if host in self._allowed_hosts:
            return url
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                addresses = [ipaddress.ip_address(address.split("%", 1)[0]) for address in resolve(host)]
            except OSError:
                raise UnsafeWebhookTarget(f"the host {host} cannot be resolved") from None
        if not addresses:
            raise UnsafeWebhookTarget(f"the host {host} cannot be resolved")
        for address in addresses:
            if not address.is_global and not self._allows(address):
                raise UnsafeWebhookTarget(f"the host {host} resolves to a non-public address ({address})")
            if address.is_multicast:
                raise UnsafeWebhookTarget(f"the host {host} resolves to a multicast address ({address})")
        return url

    @property
    def _allowed_hosts(self) -> frozenset[str]:
        return frozenset(entry.lower() for entry in self.allowed if not _is_network(entry))

    def _allows(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        for entry in self.allowed:
            if _is_network(entry) and address in ipaddress.ip_network(entry, strict=False):
                return True
        return False


def _is_network(entry: str) -> bool:
    try:
        ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False
    return True
