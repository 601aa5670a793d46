"""The gateway's app factory: the one public entry of the suite.

A request under /api/v1 goes through, in order: request id (servicekit),
rate limit (per caller), route match (404/405 from the route table), token
verification (401), the route's roles (403), the body limit (413), the
Idempotency-Key (POST), and then the proxy to the owning service. Everything
else (/, the web interface) is the web blueprint's, a client of the same /api/v1.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from flask import Flask, Response, g, jsonify, request
from flask_cors import CORS
from flask_limiter import Limiter
from flask_swagger_ui import get_swaggerui_blueprint
from servicekit.auth import InvalidToken, KeysUnavailable, Principal, TokenVerifier
from servicekit.db import Database
from servicekit.problems import Problem, problem_response
from servicekit.web import OpsGuard, bearer_token, create_service_app, unauthorized, verified_principal

from .config import GatewaySettings
from .idempotency import IdempotencyStore, StoredAnswer, fingerprint, validate_key
from .limits import install_rate_limits, limit_web_logins
from .openapi import OpenApiCache
from .proxy import HOP_BY_HOP, UpstreamClient, UpstreamResponse, within_read_timeout
from .routes import API_PREFIX, Route, RouteTable
from .web import create_web_blueprint

# Hop-by-hop headers, and those the gateway sets itself below.
_NOT_COPIED = HOP_BY_HOP | {
    "x-request-id",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-forwarded-prefix",
}
_PATH_SAFE = "/-._~!$&'()*+,;=:@"
FORWARDED_PREFIX = API_PREFIX
# The realm role of operators: what /readyz checks, and /metrics (README, docs/security.md).
OPS_ROLE = "ops"


def create_app(
    settings: GatewaySettings | None = None,
    *,
    verifier: TokenVerifier | None = None,
    upstream: UpstreamClient | None = None,
) -> Flask:
    settings = settings or GatewaySettings()
    verifier = verifier or TokenVerifier.for_settings(settings)
    upstream = upstream or UpstreamClient(
        settings.upstreams,
        connect_timeout=settings.upstream_connect_timeout,
        read_timeout=settings.upstream_read_timeout,
        pool_size=settings.upstream_pool_size,
        max_response_bytes=settings.upstream_max_response_bytes,
    )
    database = Database(settings.database_url)
    idempotency = IdempotencyStore(
        database, ttl_seconds=settings.idempotency_ttl_seconds, lock_seconds=settings.idempotency_lock_seconds
    )
    idempotency.create_schema()
    table = RouteTable()

    readiness = {"jwks": verifier.ready, "database": database.ping}
    for service in settings.upstreams:
        readiness[service] = _readiness_of(upstream, service)
    # No verifier here: the gateway authenticates itself, after the route match.
    app = create_service_app("gateway", settings, readiness=readiness, ops_guard=_ops_guard(verifier))
    app.extensions.update(
        {"token_verifier": verifier, "upstream": upstream, "idempotency": idempotency, "route_table": table}
    )

    limiter = install_rate_limits(
        app,
        verifier,
        default=settings.ratelimit_default,
        storage_uri=settings.ratelimit_storage_uri,
        key_prefix=settings.ratelimit_key_prefix,
    )
    # Routes with a body limit of their own (a PDF to verify may be larger than any JSON body).
    app.config["BODY_LIMITS"] = {
        API_PREFIX + route.rule: route.max_body_bytes for route in table.routes if route.max_body_bytes
    }
    if settings.cors_origin_list:
        CORS(
            app,
            resources={f"{API_PREFIX}/*": {"origins": settings.cors_origin_list}},
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "Idempotency-Key",
                "Prefer",
                "X-Request-ID",
            ],
            expose_headers=[
                "ETag",
                "Location",
                "Retry-After",
                "X-Request-ID",
                "Idempotent-Replayed",
                "Preference-Applied",
            ],
            max_age=600,
        )

    _install_gatekeeper(app, table, verifier)
    _install_routes(app, table, upstream, idempotency, limiter)
    _install_openapi(app, settings, table, upstream)
    if settings.web_interface:
        # The web interface is a client of the API above: its pages call the same pipeline in-process.
        app.register_blueprint(create_web_blueprint(settings))
        limit_web_logins(app, limiter, settings.web_login_ratelimit)
    return app


def _readiness_of(upstream: UpstreamClient, service: str) -> Callable[[], bool]:
    return lambda: upstream.is_ready(service)


def _ops_guard(verifier: TokenVerifier) -> OpsGuard:
    """Operators' detail at the public edge (metrics, the services behind it) needs a
    token with the ``ops`` role; a probe still learns ready or not without one."""

    def refusal() -> Problem | None:
        token = bearer_token()
        if token is None:
            return unauthorized("A bearer token with the ops role is required.", error=None)
        try:
            principal = verifier.verify(token)
        except InvalidToken as error:
            return unauthorized(error.reason)
        except KeysUnavailable:
            return Problem(503, "Identity provider unavailable", "The token cannot be verified right now.")
        if not principal.has_role(OPS_ROLE):
            return Problem(403, "Forbidden", "Only operators (role ops) may read this.", required_roles=[OPS_ROLE])
        return None

    return refusal


def _install_gatekeeper(app: Flask, table: RouteTable, verifier: TokenVerifier) -> None:
    @app.before_request
    def _authenticate_and_authorise() -> Response | None:
        rule = request.url_rule
        route = table.by_endpoint.get(rule.endpoint) if rule is not None else None
        if route is None or request.method == "OPTIONS":
            return None  # public, web interface, or a 404/405 Flask answers itself
        if route.public:  # no account needed; whatever token is sent is neither checked nor used
            g.principal = None
            g.route = route
            return None
        principal = verified_principal(verifier)
        if isinstance(principal, Response):
            return principal
        if not route.allows(principal.roles):
            return problem_response(
                Problem(
                    403, "Forbidden", "None of your roles may call this operation.", required_roles=sorted(route.roles)
                )
            )
        g.principal = principal
        g.route = route
        return None


def _install_routes(
    app: Flask, table: RouteTable, upstream: UpstreamClient, idempotency: IdempotencyStore, limiter: Limiter
) -> None:
    def proxy(**_arguments: str) -> Response:
        route: Route = g.route
        principal: Principal | None = g.principal
        body = request.get_data(cache=False)  # bounded by MAX_CONTENT_LENGTH: 413 before any upstream call
        key = request.headers.get("Idempotency-Key")
        if key is None or route.method != "POST" or principal is None:
            return _to_flask(_forward(upstream, route, body))
        caller = principal.subject or principal.username
        key = validate_key(key)
        upstream_path = _upstream_path()
        stored = idempotency.claim(
            caller, key, route.method, upstream_path + "?" + request.query_string.decode(), fingerprint(body)
        )
        if stored is not None:
            response = _to_flask(UpstreamResponse(stored.status, stored.headers, stored.body))
            response.headers["Idempotent-Replayed"] = "true"
            return response
        try:
            answer = _forward(upstream, route, body)
        except BaseException:
            idempotency.release(caller, key)
            raise
        idempotency.complete(caller, key, StoredAnswer(answer.status, answer.headers, answer.body))
        return _to_flask(answer)

    for rule in table.rules():
        app.url_map.add(rule)
        route = table.by_endpoint[str(rule.endpoint)]
        app.view_functions[rule.endpoint] = _limited(limiter, route, proxy) if route.rate_limit else proxy


def _limited(limiter: Limiter, route: Route, view: Callable[..., Response]) -> Callable[..., Response]:
    """The proxy under the route's own rate limit (a function of its own, since flask-limiter
    keys decorated limits by the view function)."""

    def limited(**arguments: str) -> Response:
        return view(**arguments)

    limited.__name__ = limited.__qualname__ = "route_" + "".join(c if c.isalnum() else "_" for c in route.endpoint)
    return limiter.limit(route.rate_limit or "")(limited)


def _upstream_path() -> str:
    # Werkzeug hands the path percent-decoded; send it on encoded again, so a
    # path parameter holding "/", "?", spaces or control characters reaches
    # the service as the same single segment the caller sent.
    return quote(request.path[len(API_PREFIX) :], safe=_PATH_SAFE)


def _forward(upstream: UpstreamClient, route: Route, body: bytes) -> UpstreamResponse:
    headers = {name: value for name, value in request.headers.items() if name.lower() not in _NOT_COPIED}
    headers["X-Request-ID"] = g.request_id
    # Append the peer to any chain the caller sent; services log it, and trust none of it.
    peer = request.remote_addr or "unknown"
    chain = request.headers.get("X-Forwarded-For")
    headers["X-Forwarded-For"] = f"{chain}, {peer}" if chain else peer
    headers["X-Forwarded-Proto"] = request.scheme
    headers["X-Forwarded-Host"] = request.host
    headers["X-Forwarded-Prefix"] = FORWARDED_PREFIX
    if "Prefer" in headers:  # a long poll is answered before this gateway gives up on it
        headers["Prefer"] = within_read_timeout(headers["Prefer"], upstream.timeout.read_timeout)
    return upstream.send(
        route.service,
        request.method,
        _upstream_path(),
        query=request.query_string.decode("latin-1"),
        headers=headers,
        body=body,
        media_types=route.media_types,
    )


def _to_flask(answer: UpstreamResponse) -> Response:
    response = Response(answer.body, status=answer.status)
    response.headers.remove("Content-Type")
    for name, value in answer.headers:
        if name.lower() == "location":
            value = _public_location(value)
        response.headers.add(name, value)
    return response


def _public_location(location: str) -> str:
    """A service's Location (relative to itself) as the public URL under /api/v1."""
    if location.startswith("/") and not location.startswith(API_PREFIX + "/"):
        return API_PREFIX + location
    if "://" in location:  # an absolute URL names the service's own host: keep only the path
        path = "/" + location.split("://", 1)[1].partition("/")[2]
        return _public_location(path)
    return location


def _install_openapi(app: Flask, settings: GatewaySettings, table: RouteTable, upstream: UpstreamClient) -> None:
    cache = OpenApiCache(
        lambda service: upstream.get_json(service, "/openapi.json", timeout=5.0),
        list(settings.upstreams),
        table,
        openid_configuration_url=settings.openid_configuration_url,
        max_age=settings.openapi_cache_seconds,
    )
    app.extensions["openapi"] = cache

    @app.get(f"{API_PREFIX}/openapi.json")
    def openapi_document() -> Response:
        response = jsonify(cache.document())
        response.headers["Cache-Control"] = "public, max-age=60"
        return response

    docs = get_swaggerui_blueprint(
        f"{API_PREFIX}/docs",
        f"{API_PREFIX}/openapi.json",
        config={"app_name": "TTĐN API", "persistAuthorization": True, "tryItOutEnabled": False},
        oauth_config={"clientId": "ttdn-web", "usePkceWithAuthorizationCodeGrant": True, "scopes": "openid"},
        blueprint_name="api_docs",
    )
    app.register_blueprint(docs)
    # The viewer at /api/v1/docs itself, not only behind a redirect to /api/v1/docs/.
    app.add_url_rule(f"{API_PREFIX}/docs", endpoint="api_docs_index", view_func=app.view_functions["api_docs.show"])
    identity_provider = _origin(settings.keycloak_public_url or settings.keycloak_url)

    @app.after_request
    def _docs_policy(response: Response) -> Response:
        if request.path == f"{API_PREFIX}/docs" or request.path.startswith(f"{API_PREFIX}/docs/"):
            response.headers["Content-Security-Policy"] = _docs_content_policy(response, identity_provider)
            response.headers["X-Frame-Options"] = "DENY"
        return response


_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def _docs_content_policy(response: Response, identity_provider: str) -> str:
    """The API viewer's policy: its own files, the inline start-up script by its hash (so
    no other inline script runs), the identity provider for "Authorize", and never framed
    (a framed "Authorize" button is a clickjacking target)."""
    hashes = []
    if response.mimetype == "text/html":
        response.direct_passthrough = False  # a static page: read it to hash its scripts
        for script in _INLINE_SCRIPT.findall(response.get_data()):
            digest = base64.b64encode(hashlib.sha256(script).digest()).decode("ascii")
            hashes.append(f"'sha256-{digest}'")
    return (
        f"default-src 'self'; script-src 'self' {' '.join(hashes)}; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data:; connect-src 'self' {identity_provider}; form-action 'self' {identity_provider}; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ).replace("'self' ;", "'self';")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
