"""Configuration read once from environment variables into a typed object.

Every variable is documented with its default in the README; a service
subclasses :class:`ServiceSettings` to add its own and to change defaults
(for instance its SQLite file).
"""

from __future__ import annotations

from functools import cached_property

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "service"
    database_url: str = "sqlite:///var/service.db"
    # One broker, or a cluster's nodes separated by commas (tried in order; see broker.py).
    amqp_url: str = "amqp://guest:guest@localhost:5672/%2F"
    events_exchange: str = "ttdn.events"

    keycloak_url: str = "http://localhost:8080"
    keycloak_realm: str = "ttdn"
    # The issuer tokens carry. It differs from KEYCLOAK_URL when services reach
    # Keycloak on an internal name (keycloak:8080) but browsers on localhost.
    keycloak_issuer: str = ""
    api_audience: str = "ttdn-api"
    keycloak_admin_client_id: str = "ttdn-services"
    keycloak_admin_client_secret: str = "services-secret"
    jwks_refresh_cooldown_seconds: float = 30.0
    token_leeway_seconds: int = 30

    max_body_bytes: int = 1_048_576
    log_level: str = "INFO"
    log_format: str = "json"

    consumer_prefetch: int = 20
    # How long a consumer's batch of deliveries may run its handlers before it commits (its
    # first event's effects are not visible until then; servicekit.consumer).
    consumer_batch_seconds: float = 0.05
    retry_delays_ms: str = "1000,5000,30000"
    max_delivery_attempts: int = 5
    outbox_poll_seconds: float = 1.0
    outbox_batch_size: int = 200
    # A conditional GET of a person's list with `Prefer: wait=N` waits at most this long for a change
    # (below the gateway's UPSTREAM_READ_TIMEOUT), and at most LIST_WAITERS such requests per process
    # wait at once: each holds a worker thread (servicekit.list_versions).
    list_wait_max_seconds: float = 10.0
    list_waiters: int = 2
    # A service that publishes events refuses commands (503, Retry-After) while a queue that receives
    # them holds this many messages not yet delivered to its consumer; 0 never refuses
    # (servicekit.backpressure).
    backpressure_queue_depth: int = 200

    # CLOCK_OFFSET_SECONDS: shifts this process's clock (0 in production). Demonstrations and the
    # end-to-end tests run a process days ahead to show reminders and overdue tasks without waiting.
    clock_offset_seconds: float = 0.0
    # EXTRA_HOLIDAYS: comma-separated ISO dates off work beyond the `holidays` calendar (bridge days decreed late).
    extra_holidays: str = ""

    @property
    def issuer(self) -> str:
        return self.keycloak_issuer or f"{self.keycloak_url.rstrip('/')}/realms/{self.keycloak_realm}"

    @cached_property
    def retry_delays(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.retry_delays_ms.split(",") if part.strip())
