"""The gateway in front of the real plans, approvals and notifications
services (each on its own SQLite file, migrated by its `ttdn-<svc> migrate`
command, on the real RabbitMQ in a throwaway vhost), with tokens from the
development identity provider: the role matrix on every route, an end-to-end
idempotent creation, and a schemathesis run of the merged document."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import schemathesis
from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.routes import ROUTES, Route
from hypothesis import HealthCheck, given, settings
from keycloak import KeycloakOpenID
from schemathesis.checks import CHECKS as CHECKS_REGISTRY
from schemathesis.checks import load_all_checks

from tests.integration.gateway.servers import ServerThread
from tests.integration.gateway.users import DEMO_USERNAMES, PASSWORD
from tests.support.services import migrate, service_app

# Every check schemathesis has (`--checks all`); the statuses they must accept beyond their defaults
# are listed, with the reason for each, in EXPECTED_STATUSES below.
load_all_checks()
ALL_CHECKS = CHECKS_REGISTRY.get_all()


def expect_statuses(schema) -> None:  # type: ignore[no-untyped-def]
    """The one place where a status a check does not expect by default is declared right."""
    for check, statuses in EXPECTED_STATUSES.items():
        config = getattr(schema.config.checks, check)
        config.expected_statuses = sorted({*config.expected_statuses, *statuses})


EXPECTED_STATUSES: dict[str, list[str]] = {
    # Schema-valid requests that are still wrong, answered with the right status:
    "positive_data_acceptance": [
        # 412: an If-Match the document allows (any string) that names another revision of the plan.
        "412",
        # 422: rules the document cannot state: activity dates inside the plan's period, categories
        # and units from the configurable catalogue, a cursor this service issued, text without
        # control, bidirectional-override or only invisible characters, an activity to submit.
        "422",
        # 428: `If-Match: *` is a string too, but names no revision: an edit must name the one it read.
        "428",
        # 415: bytes the document types as a binary file that are not a PDF: /documents/verify says so.
        "415",
    ],
}
SERVICES = ("plans", "approvals", "notifications")
PLAN = {
    "title": "Kế hoạch hoạt động thông tin đối ngoại tỉnh Cao Bằng năm 2024",
    "plan_type": "annual",
    "year": 2024,
    "org_unit": "svhttdl-cao-bang",
    "summary": "Quảng bá hình ảnh, tiềm năng của tỉnh; vận hành Cụm thông tin đối ngoại Thác Bản Giốc.",
    "legal_bases": [{"reference": "57-KL/TW", "issued_on": "2023-06-15", "title": "Kết luận của Bộ Chính trị"}],
    "activities": [
        {
            "title": "Tập huấn nghiệp vụ thông tin đối ngoại cho cán bộ khu vực biên giới",
            "category": "training",
            "lead_unit": "svhttdl-cao-bang",
            "partner_units": ["ban-tuyen-giao-cao-bang"],
            "start_date": "2024-03-01",
            "end_date": "2024-09-30",
            "budget_vnd": 150000000,
            "indicators": [{"name": "participants", "unit": "người", "target": 200}],
        }
    ],
}


@dataclass
class Suite:
    idp: str
    gateway: ServerThread

    def token(self, username: str) -> str:
        openid = KeycloakOpenID(server_url=self.idp, realm_name="ttdn", client_id="ttdn-cli")
        return openid.token(username, PASSWORD)["access_token"]

    def roles(self, token: str) -> set[str]:
        openid = KeycloakOpenID(server_url=self.idp, realm_name="ttdn", client_id="ttdn-cli")
        return set(openid.decode_token(token, validate=False)["realm_access"]["roles"])

    def call(self, method: str, path: str, token: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return requests.request(method, self.gateway.url + path, headers=headers, timeout=15, **kwargs)


def _service_app(service: str, settings_kwargs: dict):
    try:
        return service_app(service, **settings_kwargs)
    except ImportError as error:
        pytest.skip(f"the {service} service cannot be imported yet: {error}")


@pytest.fixture(scope="module")
def suite(tmp_path_factory, module_amqp_url: str, devidp_url: str) -> Iterator[Suite]:
    workdir = Path(tmp_path_factory.mktemp("suite"))
    databases = {service: f"sqlite:///{workdir / f'{service}.db'}" for service in SERVICES}
    migrate(databases)
    servers: list[ServerThread] = []
    try:
        urls = {}
        for service in SERVICES:
            common = {
                "database_url": databases[service],
                "keycloak_url": devidp_url,
                "amqp_url": module_amqp_url,
                "log_format": "text",
                "list_wait_max_seconds": 0.2,  # the fuzzer's `Prefer: wait` polls: short, not its timeout
            }
            server = ServerThread(_service_app(service, common))
            servers.append(server)
            urls[f"{service}_url"] = server.url
        gateway_settings = GatewaySettings(
            keycloak_url=devidp_url,
            amqp_url=module_amqp_url,
            database_url=f"sqlite:///{workdir / 'gateway.db'}",
            ratelimit_default="100000/minute",
            upstream_read_timeout=10,
            web_interface=False,
            log_format="text",
            **urls,
        )
        gateway = ServerThread(create_app(gateway_settings))
        servers.append(gateway)
        yield Suite(devidp_url, gateway)
    finally:
        for server in servers:
            server.stop()


def _property_test(operation, token: str):
    @given(case=operation.as_strategy())
    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    def holds(case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=ALL_CHECKS)

    return holds


SAMPLE = {"id": str(uuid.UUID(int=7)), "n": "1", "key": "plan-default"}


def concrete(route: Route) -> str:
    return "/api/v1" + re.sub(r"<([^>]+)>", lambda match: SAMPLE[match.group(1)], route.rule)


def test_every_demo_user_on_every_route_of_the_real_services(suite: Suite) -> None:
    wrong: dict[str, str] = {}
    for username in DEMO_USERNAMES:
        token = suite.token(username)
        roles = suite.roles(token)
        for route in ROUTES:
            response = suite.call(
                route.method, concrete(route), token, json={} if route.method in ("POST", "PUT") else None
            )
            body = response.json() if response.content else {}
            refused_by_gateway = response.status_code == 403 and "required_roles" in body
            label = f"{username} {route.method} {route.rule}"
            if refused_by_gateway == route.allows(roles):
                wrong[label] = f"gateway decision wrong: {response.status_code}"
            elif response.status_code >= 500 or response.status_code == 401:
                wrong[label] = f"{response.status_code} {body.get('detail')}"
            elif not response.headers.get("X-Request-ID"):
                wrong[label] = "no X-Request-ID"
    assert wrong == {}


def test_an_idempotent_plan_creation_end_to_end(suite: Suite) -> None:
    token = suite.token("drafter.cb")
    key = str(uuid.uuid4())

    first = suite.call("POST", "/api/v1/plans", token, json=PLAN, headers={"Idempotency-Key": key})
    retry = suite.call("POST", "/api/v1/plans", token, json=PLAN, headers={"Idempotency-Key": key})
    changed = suite.call("POST", "/api/v1/plans", token, json={**PLAN, "year": 2025}, headers={"Idempotency-Key": key})

    assert first.status_code == 201, first.text
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert changed.status_code == 422
    location = first.headers["Location"]
    assert location.startswith("/api/v1/plans/")
    plan = suite.call("GET", location, token)
    assert plan.status_code == 200 and plan.json()["title"] == PLAN["title"]
    assert plan.headers["ETag"] == first.headers["ETag"]
    mine = suite.call("GET", "/api/v1/plans?q=thac ban gioc", token).json()
    assert first.json()["id"] in str(mine)


def _tokens(suite: Suite) -> dict[str, str]:
    tokens = {
        role: suite.token(username)
        for role, username in {
            "drafter": "drafter.cb",
            "dept_approver": "dept.cb",
            "admin": "admin",
            "ministry_approver": "ministry.1",
        }.items()
    }
    tokens["integrator"] = KeycloakOpenID(
        server_url=suite.idp,
        realm_name="ttdn",
        client_id="ttdn-integrator-dashboard",
        client_secret_key="dashboard-secret",
    ).token(grant_type="client_credentials")["access_token"]
    return tokens


def _run_every_operation(suite: Suite, token_for) -> dict[str, str]:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_url(f"{suite.gateway.url}/api/v1/openapi.json")
    expect_statuses(schema)
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _property_test(operation, token_for(operation))()
        except BaseException as failure:  # schemathesis raises its findings as an exception group
            if isinstance(failure, KeyboardInterrupt):
                raise
            failures[operation.label] = str(failure)[:1500]
    return failures


@pytest.mark.parametrize("username", ["drafter.cb", "ministry.1"])
def test_the_merged_document_of_the_real_services_holds_against_the_gateway(suite: Suite, username: str) -> None:
    """Every check (`--checks all`) on every operation, with the user's token; the ministry's run
    takes the token of a role the route admits where the ministry's is refused, so it also reaches
    the admin, integrator and drafter routes' own rules."""
    tokens = _tokens(suite)
    mine = suite.token(username)
    roles = suite.roles(mine)

    def token_for(operation) -> str:  # type: ignore[no-untyped-def]
        route_roles = operation.definition.raw.get("x-roles") or ["drafter"]
        if username == "drafter.cb" or roles.intersection(route_roles):
            return mine
        return next((tokens[role] for role in route_roles if role in tokens), mine)

    failures = _run_every_operation(suite, token_for)
    assert not failures, "\n\n".join(f"{label}: {finding}" for label, finding in sorted(failures.items()))
