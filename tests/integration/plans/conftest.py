"""Fixtures of the plans integration tests: a migrated PostgreSQL database, the
development identity provider for real tokens, and the Flask app."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from devidp.testing import free_port, start_devidp
from keycloak import KeycloakOpenID
from plans.config import PlansSettings
from plans.documents.pki import FileCredentials
from plans.entrypoints.app import create_app
from servicekit.process import upgrade_database

from infra.local.sample_plans import CAO_BANG_2024

MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "plans" / "migrations"


@pytest.fixture(scope="module")
def plans_db(module_postgres_url: str) -> str:
    upgrade_database(MIGRATIONS, module_postgres_url)
    return module_postgres_url


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    process, base_url = start_devidp(free_port(), tmp_path_factory.mktemp("devidp") / "keys.json")
    try:
        yield base_url
    finally:
        process.stop()


def api_settings(plans_db: str, idp: str, **more: Any) -> PlansSettings:
    """The service's settings for these tests. No broker is needed by the API; readiness reports it
    failing, which these tests do not ask."""
    return PlansSettings(
        database_url=plans_db,
        keycloak_url=idp,
        amqp_url="amqp://guest:guest@127.0.0.1:1/%2F",
        log_format="text",
        **more,
    )


@pytest.fixture(scope="module")
def settings(plans_db: str, idp: str) -> PlansSettings:
    return api_settings(plans_db, idp)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> FileCredentials:
    """A development certificate authority of the module's own, for the modules that issue documents."""
    credentials = FileCredentials(tmp_path_factory.mktemp("pki"), development=True)
    credentials.ensure_ca()
    return credentials


def settings_issuing_documents(plans_db: str, idp: str, pki: FileCredentials) -> PlansSettings:
    """The settings of the modules that issue documents: signed with the module's development CA."""
    return api_settings(plans_db, idp, document_pki_dir=str(pki.directory), document_development_pki=True)


@pytest.fixture(scope="module")
def app(settings: PlansSettings):  # type: ignore[no-untyped-def]
    application = create_app(settings)
    yield application
    application.extensions["plans_db"].dispose()


@pytest.fixture(scope="module")
def tokens(idp: str):  # type: ignore[no-untyped-def]
    """``tokens("drafter.cb")`` -> an Authorization header of a demo user (password grant, ttdn-cli)."""
    oidc = KeycloakOpenID(server_url=idp, realm_name="ttdn", client_id="ttdn-cli")
    cache: dict[str, dict[str, str]] = {}

    def header(username: str) -> dict[str, str]:
        if username not in cache:
            token = oidc.token(username, "ttdn2024")["access_token"]
            # The demo people's tokens say locale vi; these tests read the API's English (the
            # language rule itself: test_a_submission_carries_the_drafters_reply_and_answers_…).
            cache[username] = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
        return cache[username]

    return header


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def body() -> dict[str, Any]:
    return copy.deepcopy(CAO_BANG_2024)
