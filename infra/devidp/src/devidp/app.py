"""The Flask application: ``create_app()`` wires settings, realm, keys and endpoints together."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify

from devidp import admin, dev, login, oidc
from devidp.config import Settings
from devidp.provider import EXTENSION, IdentityProvider

log = logging.getLogger("devidp")

WARNING = "DEVELOPMENT ONLY — not Keycloak, never use in production"


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    idp = IdentityProvider(settings)

    app = Flask(__name__)
    # Keycloak sends UTF-8 JSON with its fields in a fixed order; so do we.
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION] = idp
    for blueprint in (oidc.bp, login.bp, admin.bp, dev.bp):
        app.register_blueprint(blueprint)

    @app.get("/health")
    @app.get("/health/live")
    @app.get("/health/ready")
    def health() -> Response:
        # Keycloak answers this on its management port; one port is enough here.
        return jsonify({"status": "UP", "checks": []})

    log.warning("%s: development identity provider for realm %r at %s", WARNING, idp.realm.name, idp.issuer)
    log.info(
        "realm file %s; %d users, %d clients; signing key %s%s",
        settings.realm_file,
        len(idp.realm.users),
        len(idp.realm.clients),
        idp.keys.active.kid,
        f" (kept in {settings.key_file})" if settings.key_file else " (in memory only)",
    )
    return app
