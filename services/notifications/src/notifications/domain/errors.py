"""What can go wrong in a use case, in the domain's words; mapped to HTTP in one place."""

from __future__ import annotations

from servicekit.i18n import N_, Message


class NotificationsError(Exception):
    """Base of the service's domain errors."""


class NotificationNotFound(NotificationsError):
    """No such message in the caller's inbox (another reader's id included: ids leak nothing)."""


class SubscriptionNotFound(NotificationsError):
    """No such webhook subscription among the caller's own."""


class NotAnIntegrator(NotificationsError):
    """Only integrator clients manage webhook subscriptions."""


class UnsafeWebhookTarget(NotificationsError):
    """A subscription URL this service will not call; ``message`` says why (a catalogue message,
    rendered in the caller's language at the edge), ``reason`` in English (logs, delivery log)."""

    def __init__(self, reason: Message | str) -> None:
        self.message = reason if isinstance(reason, Message) else N_(reason)
        self.reason = str(self.message)
        super().__init__(self.reason)
