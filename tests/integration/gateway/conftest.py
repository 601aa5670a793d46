"""The gateway in front of real HTTP upstreams: a JWKS endpoint standing in for
the realm's, and stand-in services that record what reaches them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from devidp.testing import free_port, start_devidp
from flask import Flask
from flask.testing import FlaskClient
from gateway.app import create_app
from gateway.config import GatewaySettings

from tests.integration.gateway.documents import DOCUMENTS
from tests.integration.gateway.servers import ServerThread, jwks_app, upstream_app
from tests.support.tokens import ISSUER, KEY_A


@pytest.fixture(scope="session")
def identity_provider() -> Iterator[ServerThread]:
    server = ServerThread(jwks_app(KEY_A))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def devidp_url(tmp_path_factory) -> Iterator[str]:
    """A development identity provider serving the realm file's users and clients."""
    process, base_url = start_devidp(free_port(), Path(tmp_path_factory.mktemp("devidp")) / "keys.json")
    yield base_url
    process.stop()


@pytest.fixture(scope="session")
def upstream_apps() -> dict[str, Flask]:
    return {service: upstream_app(service, document) for service, document in DOCUMENTS.items()}


@pytest.fixture(scope="session")
def upstreams(upstream_apps: dict[str, Flask]) -> Iterator[dict[str, ServerThread]]:
    servers = {service: ServerThread(app) for service, app in upstream_apps.items()}
    yield servers
    for server in servers.values():
        server.stop()


def gateway_settings(
    identity_provider: ServerThread, upstreams: dict[str, str], database_url: str, **overrides
) -> GatewaySettings:
    values = {
        "keycloak_url": identity_provider.url,
        "keycloak_issuer": ISSUER,
        "database_url": database_url,
        "plans_url": upstreams["plans"],
        "approvals_url": upstreams["approvals"],
        "notifications_url": upstreams["notifications"],
        # short, so that the stand-in's slow answer (servers.SLOW_SECONDS) times out quickly
        "upstream_read_timeout": 2.0,
        "log_format": "text",
        # The web interface (issue 8) has tests of its own; these are about the API.
        "web_interface": False,
    }
    return GatewaySettings(**{**values, **overrides})


@pytest.fixture(scope="module")
def gateway_app(identity_provider: ServerThread, upstreams: dict[str, ServerThread], tmp_path_factory) -> Flask:
    database = Path(tmp_path_factory.mktemp("gateway")) / "gateway.db"
    settings = gateway_settings(
        identity_provider,
        {name: server.url for name, server in upstreams.items()},
        f"sqlite:///{database}",
        ratelimit_default="100000/minute",
    )
    return create_app(settings)


@pytest.fixture
def client(gateway_app: Flask, upstream_apps: dict[str, Flask]) -> FlaskClient:
    for app in upstream_apps.values():
        app.config["seen"].clear()
    return gateway_app.test_client()
