"""The approvals service's settings (environment variables, defaults in the README)."""

from __future__ import annotations

from servicekit.settings import ServiceSettings


class ApprovalsSettings(ServiceSettings):
    service_name: str = "approvals"
    database_url: str = "sqlite:///var/approvals.db"
    # SCHEDULER_INTERVAL_SECONDS: how often the scheduler looks for reminders and overdue tasks.
    scheduler_interval_seconds: float = 30.0
    # REMINDER_SHARE: the share of a task's SLA after which its assignees are reminded, once.
    reminder_share: float = 0.5
    # DIRECTORY_CACHE_SECONDS: how long role members read from Keycloak are reused.
    directory_cache_seconds: float = 300.0
