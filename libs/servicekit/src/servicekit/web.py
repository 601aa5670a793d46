"""What every service's Flask app has alike: request ids, JSON logs, problem+json
errors, bearer-token authentication, /healthz, /readyz and /metrics.

A service's app factory calls :func:`create_service_app` and then registers
its own blueprints (through :func:`servicekit.api.create_api`).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable

from flask import Flask, Response, g, jsonify, request

from .auth import InvalidToken, KeysUnavailable, Principal, TokenVerifier
from .broker import broker_reachable
from .db import Database
from .jsonbody import install_json_guard
from .logs import configure_logging, request_id_var
from .metrics import HTTP_LATENCY, HTTP_REQUESTS, render
from .problems import Problem, problem_response, register_error_handlers
from .settings import ServiceSettings

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")
PUBLIC_PATHS = ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs")

ReadinessCheck = Callable[[], bool]
# Decides whether this request may see operators' detail (/metrics, what /readyz checks);
# returns None to allow, or the problem to answer instead.
OpsGuard = Callable[[], Problem | None]
# The longest request target served, as gunicorn's limit_request_line (infra/gunicorn/*.py,
# whose worker answers a longer one with the same problem): any server gives the same 414.
MAX_URI_BYTES = 4094


def create_service_app(
    name: str,
    settings: ServiceSettings,
    *,
    verifier: TokenVerifier | None = None,
    readiness: dict[str, ReadinessCheck] | None = None,
    public_paths: Iterable[str] = PUBLIC_PATHS,
    ops_guard: OpsGuard | None = None,
) -> Flask:
    configure_logging(name, settings.log_level, settings.log_format)
    app = Flask(name)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["settings"] = settings
    install_request_ids(app)
    install_uri_limit(app)
    install_body_limit(app)
    install_metrics(app)
    install_security_headers(app)
    register_error_handlers(app)
    if verifier is not None:
        install_authentication(app, verifier, tuple(public_paths))
    install_json_guard(app)
    install_health(app, readiness or {}, ops_guard=ops_guard)
    return app


def install_request_ids(app: Flask) -> None:
    @app.before_request
    def _assign_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _REQUEST_ID_PATTERN.match(incoming) else str(uuid.uuid4())
        g.request_id_token = request_id_var.set(g.request_id)

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id") or str(uuid.uuid4())
        return response

    @app.teardown_request
    def _reset(_error: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id_var.reset(token)


def install_uri_limit(app: Flask, limit: int = MAX_URI_BYTES) -> None:
    """Refuse an over-long request target with a problem (414) before any work. Under
    gunicorn a longer request line never gets here: servicekit's worker answers it with
    the same problem (gunicorn_worker.py); this check gives that answer under any server."""

    @app.before_request
    def _refuse_long_uri() -> Response | None:
        target = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
        if len(target) > limit:
            return problem_response(
                Problem(414, "URI too long", f"The request target exceeds {limit} bytes.", max_bytes=limit)
            )
        return None


def install_security_headers(app: Flask) -> None:
    """Answers hold one caller's data: never stored by a cache unless the view says
    otherwise, and never content-sniffed into something executable."""

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def install_body_limit(app: Flask) -> None:
    """Refuse a declared oversized body before any work (werkzeug alone only
    refuses it when a view reads the body, after authentication). A path may
    have a limit of its own in ``app.config["BODY_LIMITS"]`` (path -> bytes)."""

    @app.before_request
    def _refuse_oversized() -> Response | None:
        limit = app.config.get("BODY_LIMITS", {}).get(request.path) or app.config.get("MAX_CONTENT_LENGTH")
        if limit:
            request.max_content_length = limit  # what werkzeug enforces when the body is read
        if limit and request.content_length is not None and request.content_length > limit:
            return problem_response(
                Problem(413, "Payload too large", f"The request body exceeds {limit} bytes.", max_bytes=limit)
            )
        return None


def install_metrics(app: Flask) -> None:
    @app.before_request
    def _start_timer() -> None:
        g.started_at = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        HTTP_REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        started = g.get("started_at")
        if started is not None:
            HTTP_LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - started)
        return response


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _quoted(text: str) -> str:
    """An RFC 9110 quoted-string: backslash-escape quotes and backslashes."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unauthorized(detail: str, *, error: str | None = "invalid_token") -> Problem:
    challenge = 'Bearer realm="ttdn"'
    if error:
        challenge += f", error={_quoted(error)}, error_description={_quoted(detail)}"
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": challenge})


def install_authentication(app: Flask, verifier: TokenVerifier, public_paths: tuple[str, ...]) -> None:
    app.extensions["token_verifier"] = verifier

    @app.before_request
    def _authenticate() -> Response | None:
        if request.method == "OPTIONS" or is_public(request.path, public_paths):
            return None
        verified = verified_principal(verifier)
        if isinstance(verified, Response):
            return verified
        g.principal = verified
        return None


def verified_principal(verifier: TokenVerifier) -> Principal | Response:
    """Who sent the request's bearer token, or the answer that refuses it: 401 without a token or
    with one that does not verify, 503 while the identity provider's keys cannot be had."""
    token = bearer_token()
    if token is None:
        return problem_response(unauthorized("A bearer token is required.", error=None))
    try:
        return verifier.verify(token)
    except InvalidToken as error:
        return problem_response(unauthorized(error.reason))
    except KeysUnavailable:
        return problem_response(
            Problem(
                503,
                "Identity provider unavailable",
                "The token cannot be verified right now.",
                headers={"Retry-After": "5"},
            )
        )


def is_public(path: str, public_paths: tuple[str, ...]) -> bool:
    return any(path == public or path.startswith(public + "/") for public in public_paths)


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:
        raise unauthorized("A bearer token is required.", error=None)
    return principal


class _CachedCheck:
    """Remember a readiness result briefly: /readyz is polled often, a broker handshake is not free."""

    def __init__(self, check: ReadinessCheck, ttl: float) -> None:
        self.check = check
        self.ttl = ttl
        self._lock = threading.Lock()
        self._value: tuple[float, bool] | None = None

    def __call__(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if self._value and now - self._value[0] < self.ttl:
                return self._value[1]
        try:
            result = bool(self.check())
        except Exception:
            result = False
        with self._lock:
            self._value = (now, result)
        return result


def service_readiness(
    db: Database, settings: ServiceSettings, verifier: TokenVerifier | None
) -> dict[str, ReadinessCheck]:
    """What a service needs to serve: its database, the broker, and the identity provider's keys."""
    checks: dict[str, ReadinessCheck] = {"database": db.ping, "broker": lambda: broker_reachable(settings.amqp_url)}
    if verifier is not None:
        checks["jwks"] = verifier.ready
    return checks


def install_health(
    app: Flask, readiness: dict[str, ReadinessCheck], ttl: float = 2.0, *, ops_guard: OpsGuard | None = None
) -> None:
    """/healthz and /readyz for probes, /metrics for Prometheus. With ``ops_guard`` (the
    gateway, the one public entry) /metrics needs it and /readyz names its checks only to
    those it admits; anyone else learns ready or not, nothing about what is behind."""
    checks = {name: _CachedCheck(check, ttl) for name, check in readiness.items()}

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok", service=app.name)

    @app.get("/readyz")
    def readyz() -> tuple[Response, int]:
        results = {name: ("ok" if check() else "failing") for name, check in checks.items()}
        ready = all(value == "ok" for value in results.values())
        status = "ready" if ready else "not-ready"
        if ops_guard is not None and ops_guard() is not None:
            return jsonify(status=status), 200 if ready else 503
        response = jsonify(status=status, service=app.name, checks=results)
        return response, 200 if ready else 503

    @app.get("/metrics")
    def metrics() -> Response:
        refused = ops_guard() if ops_guard is not None else None
        if refused is not None:
            return problem_response(refused)
        body, content_type = render()
        return Response(body, content_type=content_type)
