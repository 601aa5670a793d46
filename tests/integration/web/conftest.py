"""The web interface against the real services: the gateway's app factory with
its web blueprint, in front of the plans, approvals and notifications app
factories (each on its own SQLite file, migrated by its `ttdn-<svc> migrate`
command), reached through the gateway's real proxy code. Only the sockets
between the gateway and the services are left out: the proxy's connection pool
hands each request to the service's WSGI app. The identity provider is a small
OpenID provider on a loopback port (``identity.py``), whose keys the gateway and
the services fetch as they fetch Keycloak's.

Effects that cross services through events (an approval starting when a plan is
submitted, a notification after a decision) are the end-to-end tests' business
(tests/e2e/test_web_pages.py); here no event travels.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import urllib3
from flask import Flask
from flask.testing import FlaskClient
from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.proxy import UpstreamClient
from urllib3.exceptions import MaxRetryError, NewConnectionError
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from tests.integration.gateway.servers import ServerThread
from tests.integration.web.identity import IdentityProvider
from tests.support.services import SERVICES, migrate, service_app
from tests.support.tokens import ISSUER

WEB = "http://web.test"
IDP_PUBLIC = "http://idp.test"


class ServicePool:
    """The proxy's connection pools with the services' WSGI apps where the sockets would be.
    A service can be stopped: its requests then fail to connect, as against a stopped process."""

    def __init__(self, apps: dict[str, Flask]) -> None:
        self.apps = apps
        self.stopped: set[str] = set()
        self.calls: list[tuple[str, str]] = []  # (method, path) of every request that reached a service

    def of(self, netloc: str) -> ServiceConnections:
        """What the proxy takes for one service's pool of connections (``HTTPConnectionPool``)."""
        return ServiceConnections(self, netloc)


@dataclass
class ServiceConnections:
    services: ServicePool
    netloc: str

    def urlopen(self, method: str, url: str, body: bytes | None = None, headers: Any = None, **options: Any):
        parts = urlsplit(url)
        app = self.services.apps.get(self.netloc)
        if app is None or self.netloc in self.services.stopped:
            raise MaxRetryError(None, url, NewConnectionError(None, f"{self.netloc}: connection refused"))  # type: ignore[arg-type]
        self.services.calls.append((method, parts.path))
        answer = app.test_client().open(
            parts.path, method=method, query_string=parts.query, headers=dict(headers or {}), data=body
        )
        return urllib3.HTTPResponse(
            body=io.BytesIO(answer.get_data()),
            headers=urllib3.HTTPHeaderDict(list(answer.headers.items())),
            status=answer.status_code,
            preload_content=options.get("preload_content", True),
            decode_content=False,
        )

    def request(self, method: str, url: str, **options: Any):
        return self.urlopen(method, url, **options)

    def close(self) -> None:
        pass


class InProcessUpstreams(UpstreamClient):
    """The gateway's own upstream client (bounded reads, JSON checks, 502/503/504 mapping) on a ServicePool."""

    def __init__(self, apps: dict[str, Flask]) -> None:
        super().__init__({service: f"http://{service}.test" for service in SERVICES})
        self.services = ServicePool({f"{service}.test": app for service, app in apps.items()})

    def _build_pools(self) -> Any:
        return {service: self.services.of(f"{service}.test") for service in self.base_urls}

    def stop(self, service: str) -> None:
        self.services.stopped.add(f"{service}.test")

    def start(self, service: str) -> None:
        self.services.stopped.discard(f"{service}.test")


@pytest.fixture(scope="session")
def migrated_databases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each service's SQLite file brought to head by its own `migrate` command, once; modules copy them."""
    workdir = tmp_path_factory.mktemp("web-templates")
    files = {service: workdir / f"{service}.db" for service in SERVICES}
    migrate({service: f"sqlite:///{path}" for service, path in files.items()})
    return files


@dataclass
class World:
    app: Flask
    idp: IdentityProvider
    upstreams: InProcessUpstreams

    def api(self, username: str, method: str, path: str, **kwargs: Any) -> Any:
        """The public API as ``username`` sees it (a token straight from the identity provider)."""
        headers = {"Authorization": f"Bearer {self.idp.access_token(username)}"}
        answer = self.app.test_client().open(f"/api/v1{path}", method=method, headers=headers, **kwargs)
        assert answer.status_code < 300, answer.get_data(as_text=True)
        return answer.get_json()

    def plan(self, plan_id: str, username: str = "drafter.cb") -> dict[str, Any]:
        return self.api(username, "GET", f"/plans/{plan_id}")

    def plans_of(self, username: str = "drafter.cb") -> list[dict[str, Any]]:
        return self.api(username, "GET", "/plans")["items"]


class IdentityProviderSeat:
    """The loopback server's app: whichever IdentityProvider the current test installed."""

    def __init__(self) -> None:
        self.provider = IdentityProvider(redirect_prefix=WEB + "/")

    def __call__(self, environ: dict, start_response: Any) -> Any:
        return self.provider.app(environ, start_response)


@dataclass
class Suite:
    app: Flask
    seat: IdentityProviderSeat
    upstreams: InProcessUpstreams


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory, migrated_databases: dict[str, Path]) -> Iterator[Suite]:
    """The gateway and the three services, once per module (each test works on plans of its own)."""
    workdir = tmp_path_factory.mktemp("web")
    seat = IdentityProviderSeat()
    server = ServerThread(seat)
    common = {"keycloak_url": server.url, "keycloak_issuer": ISSUER, "log_format": "text", "log_level": "WARNING"}
    apps = {}
    for service in SERVICES:
        database = workdir / f"{service}.db"
        shutil.copyfile(migrated_databases[service], database)
        apps[service] = service_app(service, database_url=f"sqlite:///{database}", **common)
    upstreams = InProcessUpstreams(apps)
    settings = GatewaySettings(
        **common,
        keycloak_public_url=IDP_PUBLIC,
        public_url=WEB,
        database_url=f"sqlite:///{workdir / 'gateway.db'}",
        ratelimit_default="100000/minute",
        web_login_ratelimit="100000/minute",  # one gateway serves the module's many logins
    )
    app = create_app(settings, upstream=upstreams)
    yield Suite(app, seat, upstreams)
    app.extensions["web"].sessions.database.dispose()
    server.stop()


@pytest.fixture
def world(suite: Suite) -> World:
    """A fresh identity provider (its codes, refresh tokens and counts are the test's) and every service up."""
    suite.seat.provider = IdentityProvider(redirect_prefix=WEB + "/")
    suite.upstreams.services.stopped.clear()
    return World(suite.app, suite.seat.provider, suite.upstreams)


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


def text_of(response: Any) -> str:
    """The page's visible text, tags removed, whitespace collapsed (what a reader sees)."""
    html = response.get_data(as_text=True) if hasattr(response, "get_data") else response.text
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


@pytest.fixture
def browser(world: World) -> Browser:
    return Browser(world)


@pytest.fixture
def second_browser(world: World) -> Browser:
    return Browser(world)
