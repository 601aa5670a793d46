"""The web interface in-process: the blueprint on a servicekit app (as the gateway
builds it), the identity provider and the three services as small in-process
apps reached through the blueprint's own HTTP client. No sockets, no sleeps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from gateway.web import create_web_blueprint
from gateway.web.config import WebSettings
from servicekit.auth import TokenVerifier
from servicekit.settings import ServiceSettings
from servicekit.web import create_service_app
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from tests.support.tokens import ISSUER, KEY_A, KeySet
from tests.unit.web.identity import IdentityProvider
from tests.unit.web.transport import session_for
from tests.unit.web.upstreams import Suite

WEB = "http://web.test"


def make_verifier() -> TokenVerifier:
    return TokenVerifier("http://idp.test", "ttdn", issuer=ISSUER, jwks_source=KeySet(KEY_A))


@dataclass
class World:
    app: Flask
    idp: IdentityProvider
    suite: Suite
    transport: object


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    verifier = make_verifier()
    suite = Suite(verifier)
    idp = IdentityProvider(redirect_prefix=WEB + "/")
    http, transport = session_for(
        {
            "idp.test": idp.app,
            "plans.test": suite.plans_app(),
            "approvals.test": suite.approvals_app(),
            "notifications.test": suite.notifications_app(),
        }
    )
    settings = WebSettings(
        keycloak_url="http://idp.test",
        public_url=WEB,
        web_database_url=f"sqlite:///{tmp_path / 'gateway.db'}",
        plans_url="http://plans.test",
        approvals_url="http://approvals.test",
        notifications_url="http://notifications.test",
    )
    app = create_service_app("gateway", ServiceSettings(log_format="text", log_level="WARNING"))
    app.register_blueprint(
        create_web_blueprint(None, web_settings=settings, http_session_factory=lambda: http, verifier=verifier)
    )
    yield World(app, idp, suite, transport)
    app.extensions["web"].sessions.database.dispose()


class Browser:
    """A user at a browser: a cookie jar, redirects followed across the two sites."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.client: FlaskClient = world.app.test_client()
        self.idp = world.idp.app.test_client()

    def login(self, username: str, start: str = "/") -> TestResponse:
        response = self.client.get(start)
        for _ in range(6):
            if response.status_code not in (302, 303):
                return response
            location = response.headers["Location"]
            parts = urlsplit(location)
            if parts.netloc == "idp.test":
                response = self.idp.get(f"{parts.path}?{parts.query}&login_hint={username}")
            else:
                response = self.client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path)
        return response

    def get(self, path: str, **kwargs: object) -> TestResponse:
        return self.client.get(path, **kwargs)

    def csrf(self, page: TestResponse) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
        assert match, "the page carries no CSRF token"
        return match.group(1)

    def post(self, path: str, data: dict | list, *, from_page: TestResponse | None = None) -> TestResponse:
        token = self.csrf(from_page or self.client.get("/inbox"))
        fields = list(data.items()) if isinstance(data, dict) else list(data)
        return self.client.post(path, data=MultiDict([("csrf_token", token), *fields]))

    def follow(self, response: TestResponse) -> TestResponse:
        while response.status_code in (302, 303):
            parts = urlsplit(response.headers["Location"])
            response = self.client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path)
        return response


def text_of(response: TestResponse) -> str:
    """The page's visible text, tags removed, whitespace collapsed (what a reader sees)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


@pytest.fixture
def browser(world: World) -> Browser:
    return Browser(world)


@pytest.fixture
def second_browser(world: World) -> Browser:
    return Browser(world)
