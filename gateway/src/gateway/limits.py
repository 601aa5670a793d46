"""Rate limits per caller (flask-limiter).

The caller is the token's subject when the request carries a valid token
(so one integrator behind a NAT is not limited with its neighbours), else
the client address. ``memory://`` limits per worker process; set
RATELIMIT_STORAGE_URI to ``redis://…`` for one limit across workers and
replicas.
"""

from __future__ import annotations

import math
import threading
import time

from flask import Flask, Response, request
from flask_limiter import Limiter, RateLimitExceeded
from limits.storage import MemoryStorage
from servicekit.auth import InvalidToken, KeysUnavailable, TokenVerifier
from servicekit.problems import Problem, problem_response
from servicekit.web import bearer_token

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
MEMORY_SCHEME = "memory://"


class SweptMemoryStorage(MemoryStorage):
    """limits' per-process memory storage, without a thread per request.

    The library's storage sweeps expired counters in a ``threading.Timer`` that fires 10 ms
    after it starts and then ends; every hit that finds it ended starts a new one. Under load
    that is a new thread for nearly every request, and starting threads was most of the
    gateway's own CPU per proxied request (py-spy, bench ``--only throughput``). Here the
    request that finds the last sweep older than ``sweep_seconds`` sweeps, in its own thread:
    counters still expire when read (the storage checks on every get), the sweep only keeps
    callers that never return from piling up.
    """

    STORAGE_SCHEME = ["ttdn-memory"]  # noqa: RUF012 - the registry of limits reads this list
    sweep_seconds = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._swept_at = time.monotonic()
        self._sweeping = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - the private hook it replaces
        now = time.monotonic()
        if now - self._swept_at < self.sweep_seconds or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._swept_at = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
        finally:
            self._sweeping.release()


def storage_uri_for(configured: str) -> str:
    """``memory://`` (per worker) is served by :class:`SweptMemoryStorage`; any other store as configured."""
    return "ttdn-memory://" + configured[len(MEMORY_SCHEME) :] if configured.startswith(MEMORY_SCHEME) else configured


def install_rate_limits(
    app: Flask, verifier: TokenVerifier, *, default: str, storage_uri: str, key_prefix: str = "ttdn-gateway"
) -> Limiter:
    def caller() -> str:
        token = bearer_token()
        if token is not None:
            try:
                # Verified tokens are cached by the verifier: this is a dict lookup
                # for the gateway's own check that follows.
                return "sub:" + (verifier.verify(token).subject or "anonymous")
            except (InvalidToken, KeysUnavailable):
                pass
        return "addr:" + (request.remote_addr or "unknown")

    limiter = Limiter(
        caller,
        app=app,
        default_limits=[default],
        storage_uri=storage_uri_for(storage_uri),
        # No X-RateLimit-* headers: flask-limiter would also rewrite the
        # Retry-After of our 503s to its window's reset; 429s get their own.
        headers_enabled=False,
        # A broken shared store must not take the API down with it.
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        key_prefix=key_prefix,
    )

    @limiter.request_filter
    def _exempt() -> bool:
        return request.method == "OPTIONS" or request.path in EXEMPT_PATHS

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded) -> Response:
        current = limiter.current_limit
        window = error.limit.limit.get_expiry()
        # The storage reports the reset one second past the window's end: clamp to the window.
        retry_after = min(window, max(1, math.ceil(current.reset_at - time.time()))) if current else window
        return problem_response(
            Problem(
                429,
                "Too many requests",
                f"The rate limit of {error.limit.limit} for this caller is exhausted; retry after {retry_after} s.",
                headers={"Retry-After": str(retry_after)},
            )
        )

    return limiter


# The web interface's sign-in endpoints: starting a login (which stores a pending
# session) and the identity provider's answer. Counted per address, together.
WEB_LOGIN_ENDPOINTS = ("web.login", "web.callback")


def limit_web_logins(app: Flask, limiter: Limiter, rate: str) -> None:
    """Scripts hammering the sign-in are slowed at the edge too, before the identity
    provider's own lockout (which counts wrong passwords per user) comes into play."""
    shared = limiter.shared_limit(rate, scope="web-login", key_func=lambda: f"addr:{request.remote_addr or 'unknown'}")
    for endpoint in WEB_LOGIN_ENDPOINTS:
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = shared(app.view_functions[endpoint])
