"""The gateway's settings: where the services are, how long to wait for them,
and the public-edge policies (body size, rate limits, CORS, idempotency).

Every variable is read once from the environment (see the README for the list).
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from servicekit.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    # The gateway's own store (idempotency records). GATEWAY_DATABASE_URL wins over
    # DATABASE_URL so one environment file can serve the whole suite.
    database_url: str = Field(
        "sqlite:///var/gateway.db", validation_alias=AliasChoices("gateway_database_url", "database_url")
    )
    gateway_port: int = 8000

    plans_url: str = "http://127.0.0.1:8001"
    approvals_url: str = "http://127.0.0.1:8002"
    notifications_url: str = "http://127.0.0.1:8003"

    # Upstream HTTP client. The read timeout bounds the slowest answer we wait
    # for; gunicorn's worker timeout (infra/gunicorn/gateway.py) must exceed it.
    upstream_connect_timeout: float = 2.0
    upstream_read_timeout: float = 15.0
    upstream_pool_size: int = 32
    # A JSON answer larger than this is a broken upstream, not an API response.
    upstream_max_response_bytes: int = 16 * 1_048_576

    ratelimit_default: str = "1200/minute"
    ratelimit_storage_uri: str = "memory://"
    # Keys in a shared store start with this: deployments sharing one Redis keep apart.
    ratelimit_key_prefix: str = "ttdn-gateway"
    # Starting a web login and its callback, per client address (both count).
    web_login_ratelimit: str = "30/minute"

    # Comma-separated origins allowed to call /api/v1 from a browser; empty = no CORS.
    cors_origins: str = ""

    idempotency_ttl_seconds: int = 24 * 3600
    # A first attempt still "in flight" after this long is presumed dead (its
    # worker crashed), so a retry may take the key over.
    idempotency_lock_seconds: float = 60.0

    # Serve the web interface (gateway.web) at /; off for an API-only edge.
    web_interface: bool = True
    # The browser login client (authorization code + PKCE).
    web_client_id: str = "ttdn-web"
    # The gateway's public origin, for the login's redirect URIs; empty: the request's host URL.
    public_url: str = ""
    # Anything but "development" makes the session cookie Secure.
    web_environment: str = "development"
    # A login lasts at most this long (a work day); the cookie carries only an opaque id.
    web_session_hours: float = 10.0
    web_session_cookie: str = "ttdn_session"

    openapi_cache_seconds: float = 60.0
    # The identity provider's address as browsers see it (for the OpenAPI
    # security scheme); defaults to KEYCLOAK_URL.
    keycloak_public_url: str = ""

    @property
    def upstreams(self) -> dict[str, str]:
        return {"plans": self.plans_url, "approvals": self.approvals_url, "notifications": self.notifications_url}

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def openid_configuration_url(self) -> str:
        return f"{self.public_realm_url}/.well-known/openid-configuration"

    @property
    def realm_url(self) -> str:
        """The realm as the gateway reaches it (token, certs, logout back-channel)."""
        return f"{self.keycloak_url.rstrip('/')}/realms/{self.keycloak_realm}"

    @property
    def public_realm_url(self) -> str:
        """The realm as browsers reach it (the login form, the end-session page)."""
        return f"{(self.keycloak_public_url or self.keycloak_url).rstrip('/')}/realms/{self.keycloak_realm}"

    @property
    def secure_cookie(self) -> bool:
        return self.web_environment.strip().lower() != "development"
