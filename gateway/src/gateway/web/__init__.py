"""The web interface: server-rendered pages for drafters and approvers, a
blueprint of the gateway served at ``/`` as a backend-for-frontend.

The browser holds a session cookie and nothing else; the user's tokens stay in
the gateway's session table. The pages are a client of the public API: every
read and write goes through the gateway's own ``/api/v1`` pipeline with the
user's token (:class:`~gateway.web.api.PublicApi`), and the pages show what
the API answers.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, abort
from servicekit.auth import TokenVerifier
from servicekit.db import Database

from ..config import GatewaySettings
from ..routes import RouteTable
from .api import LazySession, PublicApi, ServiceUnavailable, is_id
from .catalogue import Catalogue
from .oidc import OpenIdClient
from .organisations import OrganisationNames
from .sessions import SessionStore

# How long a worker keeps the plans service's catalogue before reading it again.
CATALOGUE_SECONDS = 300.0

__all__ = ["create_web_blueprint"]


class WebContext:
    """Everything the pages need, built once per app (after gunicorn forks)."""

    def __init__(self, settings: GatewaySettings, app: Flask, *, database: Database | None = None) -> None:
        self.settings = settings
        self.app = app
        self.http = LazySession()
        self.sessions = SessionStore(
            database or Database(settings.database_url), lifetime=timedelta(hours=settings.web_session_hours)
        )
        self.sessions.create_schema()
        self.api = PublicApi(app, app.extensions.get("route_table") or RouteTable())
        self._catalogue: tuple[float, Catalogue] | None = None
        self.organisations = OrganisationNames()  # the registry's names, kept a few minutes
        self._openid: OpenIdClient | None = None

    def catalogue(self, token: str) -> Catalogue:
        """The plans service's catalogue, read with the signed-in user's token and kept a few minutes."""
        now = time.monotonic()
        if self._catalogue is None or now - self._catalogue[0] > CATALOGUE_SECONDS:
            answer = self.api.call("GET", "/plans/catalogue", token)
            if not answer.ok:
                raise ServiceUnavailable("plans")
            self._catalogue = (now, Catalogue.from_document(answer.body))
        return self._catalogue[1]

    @property
    def openid(self) -> OpenIdClient:
        if self._openid is None:
            self._openid = OpenIdClient(
                self.settings.realm_url, self.settings.public_realm_url, self.settings.web_client_id, self.http.get()
            )
        return self._openid

    def verifier(self, app: Flask) -> TokenVerifier:
        # The gateway's own verifier: one JWKS cache per worker for the API and the pages.
        return app.extensions["token_verifier"]


def create_web_blueprint(settings: GatewaySettings) -> Blueprint:
    """The blueprint the gateway registers at ``/``, after its API routes."""
    from . import login, report_pages, views

    blueprint = Blueprint(
        "web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
    )

    @blueprint.record_once
    def _install(state: Any) -> None:
        state.app.extensions["web"] = WebContext(settings, state.app)

    @blueprint.url_value_preprocessor
    def _ids_only(endpoint: str | None, values: dict[str, Any] | None) -> None:
        # /approvals/tasks is not the approval "tasks": a page's id is a service's id or nothing.
        if any(name.endswith("_id") and not is_id(value) for name, value in (values or {}).items()):
            abort(404)

    login.register(blueprint)
    views.register(blueprint)
    report_pages.register(blueprint)
    return blueprint
