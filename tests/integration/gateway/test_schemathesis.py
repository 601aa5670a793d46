"""Property-based run of the merged OpenAPI document against the running
gateway (a real HTTP server in front of real HTTP upstreams): no 5xx, and no
answer that breaks the document (status, content type, headers, schema).

The upstreams here are the stand-in services of this folder; the whole-stack
run with the real services is the e2e suite's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from gateway.app import create_app
from gateway.routes import ROUTES
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.gateway.conftest import gateway_settings
from tests.integration.gateway.servers import ServerThread
from tests.support.tokens import claims, sign

# A tester holding every role, so the run reaches every operation; the
# role matrix itself is test_auth's.
EVERY_ROLE = ["drafter", "dept_approver", "province_approver", "ministry_approver", "integrator", "admin"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def running_gateway(identity_provider, upstreams, tmp_path_factory) -> Iterator[ServerThread]:
    database = Path(tmp_path_factory.mktemp("schemathesis")) / "gateway.db"
    urls = {name: server.url for name, server in upstreams.items()}
    app = create_app(
        gateway_settings(identity_provider, urls, f"sqlite:///{database}", ratelimit_default="100000/minute")
    )
    server = ServerThread(app)
    yield server
    server.stop()


TOKEN = sign(claims(realm_access={"roles": EVERY_ROLE}, preferred_username="kiem-thu.cb"))


def test_the_gateway_keeps_to_its_document(running_gateway: ServerThread) -> None:
    # Driven operation by operation rather than through schemathesis' pytest
    # plugin, whose lazy fixtures do not work with pytest 9 yet
    # ("'Function' object has no attribute '_nodeid'").
    schema = schemathesis.openapi.from_url(f"{running_gateway.url}/api/v1/openapi.json")
    failures: dict[str, str] = {}
    operations: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
        )
        def keeps_to_the_document(case) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)

        try:
            keeps_to_the_document()
        except BaseException as failure:  # schemathesis raises its findings as an exception group
            if isinstance(failure, KeyboardInterrupt):
                raise
            failures[operation.label] = str(failure)[:2000]

    # every proxied route and the gateway's own paths (schemathesis leaves out the document itself)
    assert len(operations) == len(ROUTES) + 4, "\n".join(sorted(operations))
    assert not failures, "\n\n".join(f"{label}: {finding}" for label, finding in sorted(failures.items()))
