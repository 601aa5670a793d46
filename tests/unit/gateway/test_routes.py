"""The route table: deny by default, and the coarse rules of architecture §4."""

from __future__ import annotations

import pytest
from gateway.routes import ANYONE, APPROVERS, ROUTES, Route, RouteTable, template
from werkzeug.exceptions import MethodNotAllowed, NotFound

TABLE = RouteTable()
EVERY_ROLE = ("drafter", "dept_approver", "province_approver", "ministry_approver", "integrator", "admin")


def who_may(method: str, path: str) -> set[str]:
    route, _ = TABLE.match(method, path)
    return {role for role in EVERY_ROLE if route.allows({role})}


@pytest.mark.parametrize(
    ("method", "path", "roles"),
    [
        ("POST", "/api/v1/plans", {"drafter"}),
        ("GET", "/api/v1/plans", set(EVERY_ROLE)),
        ("GET", "/api/v1/plans/0b6c5a52", set(EVERY_ROLE)),
        ("PUT", "/api/v1/plans/0b6c5a52", {"drafter"}),
        ("POST", "/api/v1/plans/0b6c5a52/submit", {"drafter"}),
        ("POST", "/api/v1/plans/0b6c5a52/withdraw", {"drafter"}),
        ("GET", "/api/v1/plans/0b6c5a52/versions/2", set(EVERY_ROLE)),
        ("GET", "/api/v1/plans/0b6c5a52/timeline", set(EVERY_ROLE)),
        ("GET", "/api/v1/plans/0b6c5a52/document.pdf", set(EVERY_ROLE)),
        ("GET", "/api/v1/plans/0b6c5a52/document.edxml", set(EVERY_ROLE)),
        ("POST", "/api/v1/documents/verify", set(EVERY_ROLE)),  # and anyone without an account
        ("GET", "/api/v1/approvals/tasks", {"dept_approver", "province_approver", "ministry_approver"}),
        (
            "GET",
            "/api/v1/approvals/a-1",
            {"drafter", "dept_approver", "province_approver", "ministry_approver", "admin"},
        ),
        ("POST", "/api/v1/approvals/tasks/t-1/decision", {"dept_approver", "province_approver", "ministry_approver"}),
        ("POST", "/api/v1/approvals/tasks/t-1/delegate", {"dept_approver", "province_approver", "ministry_approver"}),
        ("GET", "/api/v1/approval-chains", {"admin"}),
        ("GET", "/api/v1/approval-chains/plan-default", {"admin"}),
        ("PUT", "/api/v1/approval-chains/plan-default", {"admin"}),
        ("GET", "/api/v1/notifications", set(EVERY_ROLE)),
        ("GET", "/api/v1/notifications/unread-count", set(EVERY_ROLE)),
        ("POST", "/api/v1/notifications/n-1/read", set(EVERY_ROLE)),
        ("POST", "/api/v1/notifications/read-all", set(EVERY_ROLE)),
        ("GET", "/api/v1/webhooks", {"integrator"}),
        ("POST", "/api/v1/webhooks", {"integrator"}),
        ("DELETE", "/api/v1/webhooks/w-1", {"integrator"}),
        ("GET", "/api/v1/webhooks/w-1/deliveries", {"integrator"}),
    ],
)
def test_who_may_call_what(method: str, path: str, roles: set[str]) -> None:
    assert who_may(method, path) == roles


PUBLIC = {("POST", "/documents/verify")}  # checking a document changes nothing and needs no account


def test_only_document_verification_is_public() -> None:
    assert {(route.method, route.rule) for route in ROUTES if route.public} == PUBLIC
    verify = TABLE.match("POST", "/api/v1/documents/verify")[0]
    assert verify.roles == frozenset() and verify.rate_limit and verify.max_body_bytes == 20 * 1_048_576


def test_admins_decide_nothing_and_integrators_never_write_plans() -> None:
    for route in ROUTES:
        if route.method == "POST" and "/approvals/" in route.rule:
            assert not route.allows({"admin"})
        if route.service == "plans" and route.method != "GET" and (route.method, route.rule) not in PUBLIC:
            assert not route.allows({"integrator"})
            # the organisation registry and the import of documents issued before the suite are the
            # administrator's, and only theirs
            organisations = route.rule.startswith("/organisations") or route.rule == "/plans/import"
            assert route.allows({"admin"}) == organisations, route.rule
            if organisations:
                assert not route.allows({"drafter", "dept_approver", "province_approver", "ministry_approver"})


def test_a_token_without_any_suite_role_may_call_nothing() -> None:
    assert not any(
        route.allows({"default-roles-ttdn", "offline_access", "uma_authorization"})
        for route in ROUTES
        if (route.method, route.rule) not in PUBLIC
    )


def test_static_segments_win_over_parameters() -> None:
    assert TABLE.match("GET", "/api/v1/approvals/tasks")[0].rule == "/approvals/tasks"
    assert TABLE.match("POST", "/api/v1/notifications/read-all")[0].rule == "/notifications/read-all"
    route, arguments = TABLE.match("GET", "/api/v1/plans/0b6c5a52/versions/3")
    assert (route.service, arguments) == ("plans", {"id": "0b6c5a52", "n": "3"})


@pytest.mark.parametrize(
    "path",
    ["/api/v1/internal/numbering-registers", "/api/v1", "/api/v2/plans", "/plans", "/api/v1/plans/a/b/c"],
)
def test_unlisted_paths_are_not_found(path: str) -> None:
    with pytest.raises(NotFound):
        TABLE.match("GET", path)


def test_an_unlisted_method_on_a_listed_path_is_not_allowed() -> None:
    with pytest.raises(MethodNotAllowed) as refused:
        TABLE.match("DELETE", "/api/v1/plans/0b6c5a52")
    assert set(refused.value.valid_methods or []) >= {"GET", "PUT"}


def test_a_method_and_path_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        RouteTable([Route("GET", "/plans", ANYONE, "plans"), Route("GET", "/plans", APPROVERS, "plans")])


def test_upstream_operations_are_matched_whatever_their_parameter_names() -> None:
    assert (
        TABLE.for_template("get", "/plans/{plan_id}/versions/{number}")
        == TABLE.match("GET", "/api/v1/plans/x/versions/1")[0]
    )
    assert TABLE.for_template("post", "/internal/reindex") is None
    assert template("/webhooks/{webhook_id}/deliveries") == "/webhooks/{}/deliveries"


def test_every_route_names_a_known_service_and_some_role() -> None:
    assert {route.service for route in ROUTES} == {"plans", "approvals", "notifications"}
    assert all(route.roles and route.roles <= set(EVERY_ROLE) for route in ROUTES if not route.public)
    assert all(not route.roles for route in ROUTES if route.public)
