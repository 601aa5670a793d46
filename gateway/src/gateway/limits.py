"""Rate limits per caller (flask-limiter).

The caller is the token's subject when the request carries a valid token
(so one integrator behind a NAT is not limited with its neighbours), else
the client address. ``memory://`` limits per worker process; set
RATELIMIT_STORAGE_URI to ``redis://…`` for one limit across workers and
replicas.
"""

from __future__ import annotations

import math
import time

from flask import Flask, Response, request
from flask_limiter import Limiter, RateLimitExceeded
from servicekit.auth import InvalidToken, KeysUnavailable, TokenVerifier
from servicekit.problems import Problem, problem_response
from servicekit.web import bearer_token

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


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
        storage_uri=storage_uri,
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
