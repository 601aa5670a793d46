"""THE route table: which roles may call which method and path under /api/v1,
and which service answers it.

Deny by default: a path not listed here is 404 at the gateway and never
reaches a service. The table holds the coarse rule of architecture §4 (who
may call an endpoint at all); the services still enforce the fine rules
(own org_unit, own province, separation of duties, 404 for another unit's plan).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

API_PREFIX = "/api/v1"

DRAFTER = frozenset({"drafter"})
APPROVERS = frozenset({"dept_approver", "province_approver", "ministry_approver"})
ADMIN = frozenset({"admin"})
INTEGRATOR = frozenset({"integrator"})
# "any" in §7: any user of the suite; a token with none of our roles is still refused.
ANYONE = DRAFTER | APPROVERS | ADMIN | INTEGRATOR
VERIFY_MAX_BYTES = 20 * 1_048_576  # a signed document to check: 20 MB at most
VERIFY_RATE_LIMIT = "30/minute"  # per caller (address when anonymous); the route's own, beside the default


@dataclass(frozen=True)
class Route:
    method: str
    rule: str  # werkzeug rule, relative to /api/v1; the upstream path is the same
    roles: frozenset[str]
    service: str
    # Callable without an account (roles then name none): document verification for other agencies.
    public: bool = False
    # Media types the answer may have besides JSON (a signed PDF, an edXML envelope).
    media_types: tuple[str, ...] = ()
    # A body limit of its own instead of MAX_BODY_BYTES.
    max_body_bytes: int | None = None
    # A rate limit of its own (flask-limiter notation) on top of the default one.
    rate_limit: str | None = None

    @property
    def endpoint(self) -> str:
        return f"{self.service}:{self.method} {self.rule}"

    @property
    def openapi_path(self) -> str:
        """The rule in OpenAPI's template form, without parameter names: /plans/{}."""
        return _PARAMETER.sub("{}", self.rule)

    def allows(self, roles: Iterable[str]) -> bool:
        return self.public or not self.roles.isdisjoint(roles)


_PARAMETER = re.compile(r"<(?:[^:<>]+:)?[^<>]+>|\{[^{}]+\}")


def template(path: str) -> str:
    """An OpenAPI path (/plans/{plan_id}) in the form Route.openapi_path uses."""
    return _PARAMETER.sub("{}", path)


ROUTES: tuple[Route, ...] = (
    # plans
    Route("POST", "/plans", DRAFTER, "plans"),
    Route("POST", "/plans/from-last-year", DRAFTER, "plans"),
    Route("POST", "/plans/import", ADMIN, "plans"),  # documents issued before the suite, as history
    Route("GET", "/plans", ANYONE, "plans"),
    Route("GET", "/plans/catalogue", ANYONE, "plans"),
    Route("GET", "/plans/<id>", ANYONE, "plans"),
    Route("PUT", "/plans/<id>", DRAFTER, "plans"),
    Route("POST", "/plans/<id>/submit", DRAFTER, "plans"),
    Route("POST", "/plans/<id>/withdraw", DRAFTER, "plans"),
    Route("GET", "/plans/<id>/versions", ANYONE, "plans"),
    Route("GET", "/plans/<id>/versions/<n>", ANYONE, "plans"),
    Route("GET", "/plans/<id>/timeline", ANYONE, "plans"),
    # issued documents: the stored signed file and its edXML envelope; anyone may verify a PDF
    Route("GET", "/plans/<id>/document.pdf", ANYONE, "plans", media_types=("application/pdf",)),
    Route("GET", "/plans/<id>/document.edxml", ANYONE, "plans", media_types=("application/xml",)),
    Route(
        "POST",
        "/documents/verify",
        frozenset(),
        "plans",
        public=True,
        max_body_bytes=VERIFY_MAX_BYTES,
        rate_limit=VERIFY_RATE_LIMIT,
    ),
    # the organisation registry: everyone reads it, an administrator changes it
    Route("GET", "/organisations", ANYONE, "plans"),
    Route("POST", "/organisations", ADMIN, "plans"),
    Route("GET", "/organisations/<id>", ANYONE, "plans"),
    Route("PUT", "/organisations/<id>", ADMIN, "plans"),
    Route("POST", "/organisations/<id>/successions", ADMIN, "plans"),
    # reports on plans (a second document kind of the plans service); the ministry records its receipt
    Route("POST", "/reports", DRAFTER, "plans"),
    Route("GET", "/reports", ANYONE, "plans"),
    Route("GET", "/reports/<id>", ANYONE, "plans"),
    Route("PUT", "/reports/<id>", DRAFTER, "plans"),
    Route("POST", "/reports/<id>/submit", DRAFTER, "plans"),
    Route("POST", "/reports/<id>/withdraw", DRAFTER, "plans"),
    Route("GET", "/reports/<id>/versions", ANYONE, "plans"),
    Route("GET", "/reports/<id>/versions/<n>", ANYONE, "plans"),
    Route("GET", "/reports/<id>/timeline", ANYONE, "plans"),
    Route("POST", "/reports/<id>/receipt", frozenset({"ministry_approver"}), "plans"),
    Route("GET", "/reports/<id>/document.pdf", ANYONE, "plans", media_types=("application/pdf",)),
    Route("GET", "/reports/<id>/document.edxml", ANYONE, "plans", media_types=("application/xml",)),
    # the ministry's calls (the plans service checks that only the ministry issues one) and the
    # national overview (a province's users see their own province; integrators read it)
    Route("POST", "/calls", frozenset({"ministry_approver"}), "plans"),
    Route("GET", "/calls", ANYONE, "plans"),
    Route("GET", "/calls/<id>", ANYONE, "plans"),
    Route("GET", "/calls/<id>/compliance", ANYONE, "plans"),
    Route("GET", "/plans/<id>/call", ANYONE, "plans"),
    Route("PUT", "/plans/<id>/call", DRAFTER, "plans"),
    Route("GET", "/reports/<id>/call", ANYONE, "plans"),
    Route("PUT", "/reports/<id>/call", DRAFTER, "plans"),
    Route("GET", "/overview", ANYONE, "plans"),
    Route(
        "GET",
        "/overview.xlsx",
        ANYONE,
        "plans",
        media_types=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
    ),
    Route("GET", "/overview.csv", ANYONE, "plans", media_types=("text/csv",)),
    # approvals: drafters follow their own plan's approval; admins read but decide nothing
    Route("GET", "/approvals/tasks", APPROVERS, "approvals"),
    Route("GET", "/approvals/<id>", DRAFTER | APPROVERS | ADMIN, "approvals"),
    Route("POST", "/approvals/tasks/<id>/decision", APPROVERS, "approvals"),
    Route("POST", "/approvals/tasks/<id>/delegate", APPROVERS, "approvals"),
    Route("GET", "/approvals/tasks/<id>/delegates", APPROVERS, "approvals"),
    Route("POST", "/approvals/tasks/<id>/opened", APPROVERS, "approvals"),
    Route("POST", "/approvals/tasks/decisions", APPROVERS, "approvals"),
    Route("GET", "/approvals/out-of-office", APPROVERS, "approvals"),
    Route("POST", "/approvals/out-of-office", APPROVERS, "approvals"),
    Route("GET", "/approvals/out-of-office/deputies", APPROVERS, "approvals"),
    Route("DELETE", "/approvals/out-of-office/<id>", APPROVERS, "approvals"),
    Route("GET", "/approval-chains", ADMIN, "approvals"),
    Route("GET", "/approval-chains/<key>", ADMIN, "approvals"),
    Route("PUT", "/approval-chains/<key>", ADMIN, "approvals"),
    # notifications
    Route("GET", "/notifications", ANYONE, "notifications"),
    Route("GET", "/notifications/unread-count", ANYONE, "notifications"),
    Route("POST", "/notifications/<id>/read", ANYONE, "notifications"),
    Route("POST", "/notifications/read-all", ANYONE, "notifications"),
    Route("GET", "/webhooks", INTEGRATOR, "notifications"),
    Route("POST", "/webhooks", INTEGRATOR, "notifications"),
    Route("DELETE", "/webhooks/<id>", INTEGRATOR, "notifications"),
    Route("GET", "/webhooks/<id>/deliveries", INTEGRATOR, "notifications"),
)


class RouteTable:
    """The routes compiled into one werkzeug Map (the same rules Flask dispatches on)."""

    def __init__(self, routes: Iterable[Route] = ROUTES, prefix: str = API_PREFIX) -> None:
        self.routes = tuple(routes)
        self.prefix = prefix
        self.by_endpoint = {route.endpoint: route for route in self.routes}
        if len(self.by_endpoint) != len(self.routes):
            raise ValueError("the route table lists a method and path twice")
        self._map = Map(list(self.rules()))
        self._by_template = {(route.method, route.openapi_path): route for route in self.routes}

    def rules(self) -> Iterator[Rule]:
        for route in self.routes:
            yield Rule(self.prefix + route.rule, methods=[route.method], endpoint=route.endpoint)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route for a public path; raises NotFound (404) or MethodNotAllowed (405)."""
        endpoint, arguments = self._map.bind("gateway").match(path, method=method)
        return self.by_endpoint[str(endpoint)], dict(arguments)

    def for_template(self, method: str, openapi_path: str) -> Route | None:
        """The route an upstream OpenAPI operation (path relative to the service) corresponds to."""
        return self._by_template.get((method.upper(), template(openapi_path)))


__all__ = ["API_PREFIX", "ROUTES", "MethodNotAllowed", "NotFound", "Route", "RouteTable", "template"]
