"""The web interface's settings, read once from the environment.

They belong in ``GatewaySettings`` (the lead will move them); until then the
blueprint reads its own, with these defaults:

==========================  ==========================  ==============================================
variable                    default                     meaning
==========================  ==========================  ==============================================
KEYCLOAK_URL                http://localhost:8080       identity provider as the gateway reaches it
KEYCLOAK_PUBLIC_URL         (KEYCLOAK_URL)              identity provider as browsers reach it
KEYCLOAK_REALM              ttdn                        realm
WEB_CLIENT_ID               ttdn-web                    public client, authorization code + PKCE
PUBLIC_URL                  (the request's host URL)    the gateway's public origin, for redirect URIs
WEB_ENVIRONMENT             development                 anything else makes the cookie ``Secure``
WEB_SESSION_HOURS           10                          a login lasts at most this long (a work day)
WEB_SESSION_COOKIE          ttdn_session                the cookie's name (it carries only an id)
WEB_DATABASE_URL            (GATEWAY_DATABASE_URL,      where sessions live (the gateway's own store)
                            DATABASE_URL)
PLANS_URL                   http://127.0.0.1:8001       the plans service
APPROVALS_URL               http://127.0.0.1:8002       the approvals service
NOTIFICATIONS_URL           http://127.0.0.1:8003       the notifications service
==========================  ==========================  ==============================================
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    keycloak_url: str = "http://localhost:8080"
    keycloak_public_url: str = ""
    keycloak_realm: str = "ttdn"
    keycloak_issuer: str = ""
    api_audience: str = "ttdn-api"
    # The Admin API client the services use too: the print layout names its signer, not a username.
    keycloak_admin_client_id: str = "ttdn-services"
    keycloak_admin_client_secret: str = "services-secret"
    web_client_id: str = "ttdn-web"
    public_url: str = ""
    web_environment: str = "development"
    web_session_hours: float = 10.0
    web_session_cookie: str = "ttdn_session"
    web_database_url: str = Field(
        "sqlite:///var/gateway.db",
        validation_alias=AliasChoices("web_database_url", "gateway_database_url", "database_url"),
    )
    plans_url: str = "http://127.0.0.1:8001"
    approvals_url: str = "http://127.0.0.1:8002"
    notifications_url: str = "http://127.0.0.1:8003"
    upstream_timeout_seconds: float = 15.0

    @property
    def secure_cookie(self) -> bool:
        return self.web_environment.strip().lower() != "development"

    @property
    def realm_url(self) -> str:
        """The realm as the gateway reaches it (token, certs, logout back-channel)."""
        return f"{self.keycloak_url.rstrip('/')}/realms/{self.keycloak_realm}"

    @property
    def public_realm_url(self) -> str:
        """The realm as browsers reach it (the login form, the end-session page)."""
        return f"{(self.keycloak_public_url or self.keycloak_url).rstrip('/')}/realms/{self.keycloak_realm}"

    @property
    def issuer(self) -> str:
        # As servicekit's: tokens name the realm as the gateway reaches it unless told otherwise.
        return self.keycloak_issuer or self.realm_url

    @property
    def upstreams(self) -> dict[str, str]:
        return {"plans": self.plans_url, "approvals": self.approvals_url, "notifications": self.notifications_url}
