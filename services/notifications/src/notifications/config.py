"""The notifications service's settings, read once from the environment."""

from __future__ import annotations

from functools import cached_property

from servicekit.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    service_name: str = "notifications"
    database_url: str = "sqlite:///var/notifications.db"
    port: int = 8003

    # Links in messages point at the public web interface.
    public_url: str = "http://localhost:8000"

    # E-mail: messages of one person are held this long and then sent as one digest.
    email_batch_seconds: float = 60.0
    # A claimed digest that was not confirmed sent within this time is sent again
    # (same Message-ID), which covers a mailer that died between SMTP and its commit.
    email_resend_after_seconds: float = 300.0
    mailer_poll_seconds: float = 1.0
    smtp_host: str = "localhost"
    smtp_port: int = 1025
    smtp_from: str = "TTĐN <no-reply@ttdn.example>"
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = 10.0

    # Webhooks.
    webhook_timeout_seconds: float = 5.0
    webhook_backoff_base_seconds: float = 5.0
    webhook_backoff_cap_seconds: float = 3600.0
    webhook_give_up_seconds: float = 86400.0
    webhook_workers: int = 8
    webhook_poll_seconds: float = 0.5
    # Hosts or CIDRs that subscriptions may target although they are private or loopback.
    webhook_allowed_hosts: str = ""

    directory_cache_seconds: float = 300.0

    @cached_property
    def allowed_webhook_hosts(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.webhook_allowed_hosts.split(",") if part.strip())

    def plan_link(self, plan_id: str) -> str:
        return self.document_link("plan", plan_id)

    def document_link(self, kind: str, document_id: str) -> str:
        """The document's page in the web interface: ``/plans/{id}`` or ``/reports/{id}``."""
        return f"{self.public_url.rstrip('/')}/{kind}s/{document_id}"

    def task_link(self, approval_id: str, task_id: str) -> str:
        """The task's decision page, where an approver acts on what a message tells them."""
        return f"{self.public_url.rstrip('/')}/approvals/{approval_id}?task={task_id}"
