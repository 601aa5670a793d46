"""The browser side: the authorization endpoint, the login form, single sign-on and logout.

The login page keeps the element ids of Keycloak's own theme (``kc-form-login``,
``username``, ``password``, ``kc-login``), so a browser test written against Keycloak
drives this form unchanged.  Single sign-on works through a ``KEYCLOAK_IDENTITY``
cookie: a second /auth with the cookie goes straight back to the client with a code
(and ``acr`` "0", as Keycloak reports a login that re-used a session).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from urllib.parse import urlencode

from flask import Blueprint, g, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from devidp import pkce
from devidp.errors import OAuthError, invalid_grant
from devidp.grants import authenticate_client
from devidp.oidc import client_origins, cors
from devidp.provider import IdentityProvider, bind_realm, current
from devidp.realm import Client, InvalidScope
from devidp.sessions import AuthorizationRequest, ClientSession, UserSession
from devidp.tokens import TokenInvalid

bp = Blueprint("login", __name__, url_prefix="/realms/<realm>")
bind_realm(bp, {"error": "Realm does not exist", "error_description": "Realm does not exist"})

IDENTITY_COOKIE = "KEYCLOAK_IDENTITY"
SESSION_COOKIE = "KEYCLOAK_SESSION"


class _RedirectError(Exception):
    """An /auth error reported to the client through its (already validated) redirect URI."""

    def __init__(self, error: str, description: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.description = description


def _page(title: str, message: str, status: int) -> Response:
    response = make_response(
        render_template("message.html", title=title, message=message, realm=current().realm), status
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _with_params(uri: str, params: dict[str, str], fragment: bool = False) -> str:
    separator = "#" if fragment else ("&" if "?" in uri else "?")
    return uri + separator + urlencode(params)


def _error_redirect(
    idp: IdentityProvider, redirect_uri: str, error: _RedirectError, state: str | None, fragment: bool
) -> Response:
    answer = {"error": error.error}
    if error.description:
        answer["error_description"] = error.description
    if state is not None:
        answer["state"] = state
    answer["iss"] = idp.issuer  # RFC 9207, as Keycloak sends it
    return redirect(_with_params(redirect_uri, answer, fragment), 302)


def _redirect_uri(client: Client, requested: str | None) -> str | None:
    if requested:
        return requested if client.accepts_redirect_uri(requested) else None
    # Without a redirect_uri, Keycloak uses the client's only redirect URI if it has exactly one.
    fixed = [u for u in client.redirect_uris if not u.endswith("*")]
    return fixed[0] if len(client.redirect_uris) == 1 and fixed else None


def _validated_request(idp: IdentityProvider, client: Client, redirect_uri: str) -> AuthorizationRequest:
    params = request.values
    response_mode = params.get("response_mode") or "query"
    if response_mode not in ("query", "fragment"):
        raise _RedirectError("invalid_request", "Invalid parameter: response_mode")
    response_type = params.get("response_type")
    if not response_type:
        raise _RedirectError("invalid_request", "Missing parameter: response_type")
    if response_type != "code":
        raise _RedirectError("unsupported_response_type", "Unsupported response_type")
    if not client.standard_flow:
        raise _RedirectError(
            "unauthorized_client",
            "Client is not allowed to initiate browser login with given "
            "response_type. Standard flow is disabled for the client.",
        )
    try:
        idp.realm.resolve_scopes(client, params.get("scope"))
    except InvalidScope as exc:
        raise _RedirectError("invalid_scope", str(exc)) from exc
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if client.pkce_method and not method:
        raise _RedirectError("invalid_request", "Missing parameter: code_challenge_method")
    if client.pkce_method and method != client.pkce_method:
        raise _RedirectError(
            "invalid_request", "Invalid parameter: code challenge method is not matching the configured one"
        )
    if challenge or method:
        method = method or "plain"
        if method not in pkce.METHODS:
            raise _RedirectError("invalid_request", "Invalid parameter: code_challenge_method")
        if not challenge:
            raise _RedirectError("invalid_request", "Missing parameter: code_challenge")
        if not pkce.is_well_formed(challenge):
            raise _RedirectError("invalid_request", "Invalid parameter: code_challenge")
    return AuthorizationRequest(
        tab_id=secrets.token_urlsafe(12),
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        response_mode=response_mode,
        scope=params.get("scope") or "",
        state=params.get("state"),
        nonce=params.get("nonce"),
        code_challenge=challenge,
        code_challenge_method=method if challenge else None,
        created=time.time(),
    )


@bp.route("/protocol/openid-connect/auth", methods=["GET", "POST"])
def authorize() -> Response:
    idp = current()
    params = request.values
    client = idp.realm.client(params.get("client_id"))
    # Until the client and its redirect URI are known good, errors go to a page, never to a URL.
    if client is None or not client.enabled:
        return _page("Lỗi / Error", "Client not found.", 400)
    redirect_uri = _redirect_uri(client, params.get("redirect_uri"))
    if redirect_uri is None:
        return _page("Lỗi / Error", "Invalid parameter: redirect_uri", 400)
    fragment = params.get("response_mode") == "fragment"
    try:
        auth_request = _validated_request(idp, client, redirect_uri)
    except _RedirectError as error:
        return _error_redirect(idp, redirect_uri, error, params.get("state"), fragment)

    session = idp.sessions.session_for_cookie(request.cookies.get(IDENTITY_COOKIE))
    prompt = (params.get("prompt") or "").split()
    if session is not None and "login" not in prompt:
        return _complete(idp, auth_request, session, acr="0")
    if "none" in prompt:
        return _error_redirect(idp, redirect_uri, _RedirectError("login_required"), auth_request.state, fragment)
    idp.sessions.park_request(auth_request)
    return _login_form(idp, auth_request, client)


def _login_form(
    idp: IdentityProvider,
    auth_request: AuthorizationRequest,
    client: Client,
    error: str | None = None,
    username: str = "",
) -> Response:
    action = url_for("login.authenticate", client_id=client.client_id, tab_id=auth_request.tab_id)
    demo_users = [u.username for u in idp.realm.users if not u.is_service_account]
    response = make_response(
        render_template(
            "login.html",
            realm=idp.realm,
            client=client,
            action=action,
            error=error,
            username=username,
            demo_users=demo_users,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/login-actions/authenticate")
def authenticate() -> Response:
    idp = current()
    auth_request = idp.sessions.pending_request(request.args.get("tab_id"))
    if auth_request is None:
        return _page(
            "Hết hạn / Expired",
            "Phiên đăng nhập đã hết hạn, vui lòng bắt đầu lại. / "
            "Your login attempt timed out. Login will start from the beginning.",
            400,
        )
    client = idp.realm.client(auth_request.client_id)
    assert client is not None  # it was validated when the request was parked
    username = request.form.get("username", "").strip()
    user = idp.realm.user_by_login(username)
    # A locked account reads as a wrong password (Keycloak's default message), so the
    # form tells an attacker nothing; its failures are not counted while it is locked.
    locked = user is not None and idp.brute_force.is_locked(user.id)
    if user is None or locked or not user.password_matches(request.form.get("password", "")):
        if user is not None and not locked:
            idp.brute_force.failure(user.id, request.remote_addr)
        return _login_form(
            idp,
            auth_request,
            client,
            username=username,
            error="Tên đăng nhập hoặc mật khẩu không đúng. / Invalid username or password.",
        )
    if not user.enabled:
        return _login_form(
            idp,
            auth_request,
            client,
            username=username,
            error="Tài khoản đã bị khoá. / Account is disabled, contact your administrator.",
        )
    idp.brute_force.success(user.id)
    # A new login replaces whatever browser session this browser had.
    idp.sessions.end_session_for_cookie(request.cookies.get(IDENTITY_COOKIE))
    session = idp.sessions.create_session(user.id, browser=True)
    idp.sessions.drop_request(auth_request.tab_id)
    return _complete(idp, auth_request, session, acr="1")


def _complete(idp: IdentityProvider, auth_request: AuthorizationRequest, session: UserSession, acr: str) -> Response:
    """Send the browser back to the client with a fresh code, and keep the SSO cookies."""
    idp.sessions.attach_client(
        session.id,
        ClientSession(client_id=auth_request.client_id, scope=auth_request.scope, acr=acr, nonce=auth_request.nonce),
    )
    code = idp.sessions.issue_code(auth_request, session.id)
    answer: dict[str, str] = {}
    if auth_request.state is not None:
        answer["state"] = auth_request.state
    answer.update({"session_state": session.id, "iss": idp.issuer, "code": code})
    response = redirect(_with_params(auth_request.redirect_uri, answer, auth_request.response_mode == "fragment"), 302)
    path = f"/realms/{idp.realm.name}/"
    response.set_cookie(IDENTITY_COOKIE, session.cookie or "", path=path, httponly=True, samesite="Lax")
    # Readable by scripts, like Keycloak's; it identifies the session without revealing it.
    digest = hashlib.sha256(session.id.encode()).digest()
    response.set_cookie(
        SESSION_COOKIE, base64.urlsafe_b64encode(digest).rstrip(b"=").decode(), path=path, samesite="Lax"
    )
    return response


# -- logout ---------------------------------------------------------------------------------


@bp.route("/protocol/openid-connect/logout", methods=["GET", "POST"])
def logout() -> Response:
    if request.method == "POST" and "refresh_token" in request.form:
        return _logout_with_refresh_token()
    return _browser_logout()


def _logout_with_refresh_token() -> Response:
    """The back-channel logout python-keycloak's ``logout(refresh_token)`` performs: 204 on success."""
    idp = current()
    g.cors_origins = client_origins()
    try:
        client = authenticate_client(idp, request.form, request.headers.get("Authorization"))
        try:
            claims = idp.verify_refresh_token(request.form.get("refresh_token", ""))
        except TokenInvalid as exc:
            raise invalid_grant("Invalid refresh token") from exc
        if claims.get("azp") != client.client_id:
            raise invalid_grant("Invalid refresh token")
    except OAuthError as error:
        return error.response()
    # Ending a session that has already ended is not an error: the caller's goal is met.
    idp.sessions.end_session(claims.get("sid"))
    response = make_response("", 204)
    response.headers["Cache-Control"] = "no-store"
    return response


def _browser_logout() -> Response:
    idp = current()
    params = request.values
    hint_claims = None
    if params.get("id_token_hint"):
        try:
            hint_claims = idp.verify_id_token_hint(params["id_token_hint"])
        except TokenInvalid:
            return _page("Lỗi / Error", "Invalid parameter: id_token_hint", 400)
    client = idp.realm.client((hint_claims or {}).get("azp") or params.get("client_id"))
    redirect_uri = params.get("post_logout_redirect_uri")
    if redirect_uri:
        if client is None:
            return _page(
                "Lỗi / Error",
                "Either the parameter id_token_hint or client_id is required when post_logout_redirect_uri is used.",
                400,
            )
        if not client.accepts_post_logout_redirect_uri(redirect_uri):
            return _page("Lỗi / Error", "Invalid redirect uri", 400)

    idp.sessions.end_session((hint_claims or {}).get("sid"))
    idp.sessions.end_session_for_cookie(request.cookies.get(IDENTITY_COOKIE))

    if redirect_uri:
        state = params.get("state")
        response = redirect(_with_params(redirect_uri, {"state": state}) if state else redirect_uri, 302)
    else:
        response = _page("Đã đăng xuất / Logged out", "Bạn đã đăng xuất. / You are logged out.", 200)
    path = f"/realms/{idp.realm.name}/"
    response.delete_cookie(IDENTITY_COOKIE, path=path)
    response.delete_cookie(SESSION_COOKIE, path=path)
    return response


# A browser app may call logout directly; it gets the same CORS answer as the token endpoint.
bp.after_request(cors)
