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
    # EXTRA_HOLIDAYS: comma-separated ISO dates off work beyond the `holidays` calendar (bridge days decreed late).
    extra_holidays: str = ""
    # CLOCK_OFFSET_SECONDS: shifts this process's clock (0 in production). Demonstrations and the
    # end-to-end tests run the scheduler days ahead to show reminders and overdue tasks without waiting.
    clock_offset_seconds: float = 0.0
