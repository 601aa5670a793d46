"""Signing in and out: authorization code + PKCE, tokens kept server-side,
CSRF on every form, and a logout that ends the identity provider's session too.

Hooks run for every page of the blueprint, in order: load the session from
the cookie, refresh the access token when it has expired, check the CSRF
token of a POST, and send anyone not signed in to the login.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from servicekit.auth import InvalidToken, KeysUnavailable, Principal

from .i18n import LOCALES
from .oidc import LoginFailed, new_code_verifier
from .sessions import WebSession

# Pages reachable without a session (the rest redirect to the login).
OPEN_ENDPOINTS = frozenset({"web.login", "web.callback", "web.logged_out", "web.static", "web.set_language"})


def web() -> Any:
    return current_app.extensions["web"]


def register(blueprint: Blueprint) -> None:
    blueprint.before_request(load_session)
    blueprint.after_request(write_cookie_and_headers)
    blueprint.add_url_rule("/login", "login", login)
    blueprint.add_url_rule("/callback", "callback", callback)
    blueprint.add_url_rule("/logout", "logout", logout, methods=["POST"])
    blueprint.add_url_rule("/logged-out", "logged_out", logged_out)
    blueprint.add_url_rule("/language", "set_language", set_language, methods=["POST"])


# -- hooks


def load_session() -> ResponseReturnValue | None:
    context = web()
    g.web_session = context.sessions.load(request.cookies.get(context.settings.web_session_cookie))
    g.new_session_id = None
    g.principal = None
    session: WebSession | None = g.web_session
    if session is not None and session.signed_in:
        g.principal = _principal_of(session)
        if g.principal is None:  # the refresh token expired or was revoked: sign in again
            context.sessions.end(session.id)
            g.web_session = session = None
    if request.method == "POST" and request.endpoint != "web.static":
        _check_csrf(session)
    if g.principal is None and request.endpoint not in OPEN_ENDPOINTS:
        return redirect(url_for("web.login", next=request.full_path.rstrip("?") if request.method == "GET" else None))
    g.locale = _locale(session, g.principal)
    return None


def _principal_of(session: WebSession) -> Principal | None:
    context = web()
    if session.access_expires_at is not None and session.access_expires_at <= datetime.now(UTC):
        if not session.refresh_token:
            return None
        try:
            # One refresh at a time per session, across workers (the refresh token is single-use).
            if not context.sessions.refresh(session, context.openid.refresh):
                return None
        except LoginFailed:
            return None
    try:
        return context.verifier(current_app).verify(session.access_token)
    except InvalidToken:
        return None
    except KeysUnavailable:
        abort(503)


def _check_csrf(session: WebSession | None) -> None:
    sent = request.form.get("csrf_token", "")
    if session is None or not sent or not hmac.compare_digest(sent, session.csrf_token):
        abort(400, description="csrf")


def _locale(session: WebSession | None, principal: Principal | None) -> str:
    if session is not None and session.locale in LOCALES:
        return session.locale
    if principal is not None:
        return principal.locale
    best = request.accept_languages.best_match(LOCALES)
    return best or "vi"


def write_cookie_and_headers(response: Response) -> Response:
    settings = web().settings
    if g.get("new_session_id"):
        response.set_cookie(
            settings.web_session_cookie,
            g.new_session_id,
            max_age=int(settings.web_session_hours * 3600),
            httponly=True,
            secure=settings.secure_cookie,
            samesite="Lax",  # Lax: the identity provider's redirect back to /callback must carry it
            path="/",
        )
    elif g.get("clear_session_cookie"):
        response.delete_cookie(settings.web_session_cookie, path="/", httponly=True, samesite="Lax")
    # Pages show one user's data: never cached, never framed, scripts only our own.
    if request.endpoint != "web.static":
        response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self' " + _origin(web().settings.public_realm_url),
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def current_session() -> WebSession:
    """The session of this request, started if there is none (a language choice, a login)."""
    session = g.get("web_session")
    if session is None:
        session = web().sessions.start()
        g.web_session = session
        g.new_session_id = session.id
    return session


def public_url(endpoint: str, **values: Any) -> str:
    base = web().settings.public_url.rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


# What a browser's URL parser drops before it reads a URL: tabs and newlines anywhere,
# and C0 controls or spaces at either end (WHATWG URL standard).
_BROWSER_STRIPPED = str.maketrans("", "", "\t\n\r")
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))


def safe_next(target: str | None) -> str:
    """``target`` if it is a path of this site as a browser would read it, else the home page.

    An open redirect would turn the login into a phishing aid, so the check judges the
    URL the browser will follow: ``/<TAB>/evil.example`` is ``//evil.example`` to it.
    Anything left with a control character (a header could not carry it) is refused."""
    home = url_for("web.home")
    if not target:
        return home
    seen = target.translate(_BROWSER_STRIPPED).strip(_C0_AND_SPACE)
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in seen):
        return home
    if not seen.startswith("/") or seen.startswith("//") or "\\" in seen:
        return home
    parts = urlsplit(seen)
    if parts.scheme or parts.netloc:
        return home
    return seen.rstrip("?") or home


# -- views


def login() -> ResponseReturnValue:
    if g.principal is not None:
        return redirect(safe_next(request.args.get("next")))
    session = current_session()
    session.login_state = secrets.token_urlsafe(24)
    session.login_nonce = secrets.token_urlsafe(24)
    session.code_verifier = new_code_verifier()
    session.return_to = safe_next(request.args.get("next"))
    web().sessions.save(session)
    try:
        target = web().openid.authorization_url(
            redirect_uri=public_url("web.callback"),
            state=session.login_state,
            nonce=session.login_nonce,
            code_verifier=session.code_verifier,
            locale=g.locale,
        )
    except LoginFailed:
        return Response(render_template("web/error.html", status=503, reason="idp"), status=503)
    return redirect(target)


def callback() -> ResponseReturnValue:
    session: WebSession | None = g.get("web_session")
    state = request.args.get("state", "")
    if session is None or not session.login_state or not hmac.compare_digest(state, session.login_state):
        # A stale or forged answer: start again rather than trust it.
        return redirect(url_for("web.login"))
    if request.args.get("error") or not request.args.get("code"):
        return Response(render_template("web/error.html", status=401, reason="login"), status=401)
    context = web()
    try:
        tokens = context.openid.exchange_code(
            code=request.args["code"],
            redirect_uri=public_url("web.callback"),
            code_verifier=session.code_verifier or "",
        )
        principal = context.verifier(current_app).verify(tokens.access_token)
    except (LoginFailed, InvalidToken):
        return Response(render_template("web/error.html", status=401, reason="login"), status=401)
    return_to = session.return_to or url_for("web.home")
    signed_in = context.sessions.sign_in(session, principal.username, tokens)
    g.new_session_id = signed_in.id
    return redirect(safe_next(return_to))


def logout() -> ResponseReturnValue:
    session: WebSession | None = g.web_session
    id_token = session.id_token if session else None
    if session is not None:
        web().sessions.end(session.id)
    g.clear_session_cookie = True
    try:
        target = web().openid.end_session_url(id_token=id_token, post_logout_redirect_uri=public_url("web.logged_out"))
    except LoginFailed:
        target = None
    return redirect(target or url_for("web.logged_out"))


def logged_out() -> str:
    return render_template("web/logged_out.html")


def set_language() -> ResponseReturnValue:
    chosen = request.form.get("locale", "")
    if chosen in LOCALES:
        session = current_session()
        session.locale = chosen
        web().sessions.save(session)
    return redirect(safe_next(request.form.get("next")))
