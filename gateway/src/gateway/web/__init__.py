"""The web interface (issue 8): server-rendered pages for drafters and
approvers, served by the gateway at ``/`` as a backend-for-frontend.

The browser holds a session cookie and nothing else; the user's tokens stay in
the gateway's session table, and the pages call the services with them.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

import requests
from flask import Blueprint, Flask, abort
from servicekit.auth import TokenVerifier
from servicekit.db import Database
from servicekit.directory import Directory

from .catalogue import Catalogue
from .config import WebSettings
from .oidc import OpenIdClient
from .sessions import SessionStore
from .upstream import LazySession, Services, ServiceUnavailable, is_id

log = logging.getLogger(__name__)

# How long a worker keeps the plans service's catalogue before reading it again.
CATALOGUE_SECONDS = 300.0

__all__ = ["WebSettings", "create_web_blueprint"]


class WebContext:
    """Everything the pages need, built once per app (after gunicorn forks)."""

    def __init__(
        self,
        settings: WebSettings,
        *,
        http: LazySession,
        verifier: TokenVerifier | None,
        database: Database | None = None,
    ) -> None:
        self.settings = settings
        self.http = http
        self.sessions = SessionStore(
            database or Database(settings.web_database_url), lifetime=timedelta(hours=settings.web_session_hours)
        )
        self.sessions.create_schema()
        self.services = Services(settings.upstreams, http, timeout=settings.upstream_timeout_seconds)
        self._catalogue: tuple[float, Catalogue] | None = None
        self.directory = Directory(
            settings.keycloak_url,
            settings.keycloak_realm,
            settings.keycloak_admin_client_id,
            settings.keycloak_admin_client_secret,
        )
        self._verifier = verifier
        self._openid: OpenIdClient | None = None

    def catalogue(self, token: str) -> Catalogue:
        """The plans service's catalogue, read with the signed-in user's token and kept a few minutes."""
        now = time.monotonic()
        if self._catalogue is None or now - self._catalogue[0] > CATALOGUE_SECONDS:
            answer = self.services.call("plans", "GET", "/plans/catalogue", token)
            if not answer.ok:
                raise ServiceUnavailable("plans")
            self._catalogue = (now, Catalogue.from_document(answer.body))
        return self._catalogue[1]

    def full_name(self, username: str) -> str:
        """The person's name as a Vietnamese document prints it (family name first); the username
        when the directory cannot say."""
        try:
            person = self.directory.person(username)
        except Exception:
            log.warning("directory lookup failed", extra={"username": username})
            return username
        return person.display_name if person else username

    @property
    def openid(self) -> OpenIdClient:
        if self._openid is None:
            self._openid = OpenIdClient(
                self.settings.realm_url, self.settings.public_realm_url, self.settings.web_client_id, self.http.get()
            )
        return self._openid

    def verifier(self, app: Flask) -> TokenVerifier:
        # The gateway's own verifier when there is one: one JWKS cache per worker.
        verifier = self._verifier or app.extensions.get("token_verifier")
        if verifier is None:
            verifier = self._verifier = TokenVerifier(
                self.settings.keycloak_url,
                self.settings.keycloak_realm,
                issuer=self.settings.issuer,
                audience=self.settings.api_audience,
            )
        return verifier


def create_web_blueprint(
    settings: Any = None,
    *,
    web_settings: WebSettings | None = None,
    http_session_factory: Any = None,
    verifier: TokenVerifier | None = None,
) -> Blueprint:
    """The blueprint the gateway registers at ``/``. ``settings`` (the gateway's) is
    accepted for the gateway's call; the web interface reads its own from the
    environment (WebSettings) until they move into GatewaySettings.
    ``http_session_factory`` and ``verifier`` let tests put in-process servers behind
    the same HTTP code."""
    from . import login, views

    web_settings = web_settings or WebSettings()  # type: ignore[call-arg]  # read from the environment
    factory = http_session_factory or (lambda: _default_session())
    blueprint = Blueprint(
        "web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
    )

    @blueprint.record_once
    def _install(state: Any) -> None:
        state.app.extensions["web"] = WebContext(web_settings, http=LazySession(factory), verifier=verifier)

    @blueprint.url_value_preprocessor
    def _ids_only(endpoint: str | None, values: dict[str, Any] | None) -> None:
        # /approvals/tasks is not the approval "tasks": a page's id is a service's id or nothing.
        if any(name.endswith("_id") and not is_id(value) for name, value in (values or {}).items()):
            abort(404)

    login.register(blueprint)
    views.register(blueprint)
    return blueprint


def _default_session() -> requests.Session:
    from .upstream import pooled_session

    return pooled_session()
