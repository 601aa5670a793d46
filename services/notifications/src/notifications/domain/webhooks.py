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

from servicekit.i18n import N_

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
            raise UnsafeWebhookTarget(N_("not a valid URL: {error}", error=str(error))) from None
        if parts.scheme not in ("http", "https"):
            raise UnsafeWebhookTarget(N_("only http and https URLs are accepted"))
        if parts.username is not None or parts.password is not None:
            raise UnsafeWebhookTarget(N_("credentials in the URL are not accepted; the signature authenticates us"))
        host = (parts.hostname or "").lower()
        if not host:
            raise UnsafeWebhookTarget(N_("the URL has no host"))
        if port == 0:
            raise UnsafeWebhookTarget(N_("port 0 is not a valid target"))
        if host in self._allowed_hosts:
            return url
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                addresses = [ipaddress.ip_address(address.split("%", 1)[0]) for address in resolve(host)]
            except OSError:
                raise UnsafeWebhookTarget(N_("the host {host} cannot be resolved", host=host)) from None
        if not addresses:
            raise UnsafeWebhookTarget(N_("the host {host} cannot be resolved", host=host))
        for address in addresses:
            self._judge(host, address)
        return url

    def check_connection(self, host: str, address: str) -> None:
        """The address a delivery is about to talk to, after the connection is made: the name
        was judged when it was resolved, but DNS may answer differently the second time."""
        if host.lower() in self._allowed_hosts:
            return
        self._judge(host, ipaddress.ip_address(address.split("%", 1)[0]))

    def _judge(self, host: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
        # An IPv6 address that carries an IPv4 one reaches that IPv4 host: judge that one.
        judged = embedded_ipv4(address) or address
        allowed = self._allows(address) or self._allows(judged)
        local_nat64 = isinstance(address, ipaddress.IPv6Address) and address in LOCAL_NAT64
        shown = str(address) if judged is address else f"{address}, which reaches {judged}"
        if (local_nat64 or not judged.is_global) and not allowed:
            raise UnsafeWebhookTarget(
                N_("the host {host} resolves to a non-public address ({address})", host=host, address=shown)
            )
        if judged.is_multicast:
            raise UnsafeWebhookTarget(
                N_("the host {host} resolves to a multicast address ({address})", host=host, address=shown)
            )

    @property
    def _allowed_hosts(self) -> frozenset[str]:
        return frozenset(entry.lower() for entry in self.allowed if not _is_network(entry))

    def _allows(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        for entry in self.allowed:
            if _is_network(entry) and address in ipaddress.ip_network(entry, strict=False):
                return True
        return False


# Translation prefixes (RFC 6052, RFC 8215) and the transition mechanisms whose
# addresses embed an IPv4 address that the packets end up at.
WELL_KNOWN_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")  # local use only: never a public target
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d


def embedded_ipv4(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to (IPv4-mapped, IPv4-compatible, NAT64,
    6to4, Teredo's client), or None for an ordinary address."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in WELL_KNOWN_NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def _is_network(entry: str) -> bool:
    try:
        ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False
    return True
