"""What can go wrong in a use case, in the domain's words; mapped to HTTP in one place."""

from __future__ import annotations


class NotificationsError(Exception):
    """Base of the service's domain errors."""


class NotificationNotFound(NotificationsError):
    """No such message in the caller's inbox (another reader's id included: ids leak nothing)."""


class SubscriptionNotFound(NotificationsError):
    """No such webhook subscription among the caller's own."""


class NotAnIntegrator(NotificationsError):
    """Only integrator clients manage webhook subscriptions."""


class UnsafeWebhookTarget(NotificationsError):
    """A subscription URL this service will not call; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
