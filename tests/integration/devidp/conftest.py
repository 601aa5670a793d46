"""Fixtures that run the real devidp process (``python -m devidp``) for the integration tests.

``devidp`` is one server for the whole session; tests that change server state in a way
others would notice (key rotation, short code lifetimes) start their own with
``start_devidp_instance``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from devidp.testing import DevIdpProcess, free_port, start_devidp
from jwcrypto import jwk
from keycloak import KeycloakAdmin, KeycloakOpenID, KeycloakOpenIDConnection

REALM = "ttdn"
PASSWORD = "ttdn2024"
DASHBOARD = ("ttdn-integrator-dashboard", "dashboard-secret")
SERVICES = ("ttdn-services", "services-secret")


@dataclass
class DevIdp:
    process: DevIdpProcess
    base_url: str
    key_file: Path

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/realms/{REALM}"

    def endpoint(self, name: str) -> str:
        return f"{self.issuer}/protocol/openid-connect/{name}"

    def openid(self, client_id: str = "ttdn-cli", secret: str | None = None) -> KeycloakOpenID:
        return KeycloakOpenID(server_url=self.base_url, realm_name=REALM, client_id=client_id, client_secret_key=secret)

    def admin(self) -> KeycloakAdmin:
        connection = KeycloakOpenIDConnection(
            server_url=self.base_url,
            realm_name=REALM,
            user_realm_name=REALM,
            client_id=SERVICES[0],
            client_secret_key=SERVICES[1],
        )
        return KeycloakAdmin(connection=connection)

    def jwks(self) -> jwk.JWKSet:
        """The published keys, as a service builds its verification key set."""
        keyset = jwk.JWKSet()
        for key in self.openid().certs()["keys"]:
            keyset.add(jwk.JWK(**key))
        return keyset

    def token_request(self, **form: str) -> requests.Response:
        return requests.post(self.endpoint("token"), data=form, timeout=5)


@pytest.fixture(scope="session")
def devidp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevIdp]:
    key_file = tmp_path_factory.mktemp("devidp") / "keys.json"
    process, base_url = start_devidp(free_port(), key_file)
    yield DevIdp(process, base_url, key_file)
    process.stop()


@pytest.fixture
def start_devidp_instance(tmp_path: Path) -> Iterator[Callable[..., DevIdp]]:
    """Start extra devidp processes for one test; all are stopped afterwards."""
    started: list[DevIdp] = []

    def start(env: Mapping[str, str] | None = None, key_file: Path | None = None) -> DevIdp:
        key_file = key_file or tmp_path / f"keys-{len(started)}.json"
        process, base_url = start_devidp(free_port(), key_file, env)
        started.append(DevIdp(process, base_url, key_file))
        return started[-1]

    yield start
    for instance in started:
        instance.process.stop()
