"""The token endpoint's grants, with Keycloak's checks and error bodies."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote_plus

from devidp import pkce
from devidp.errors import OAuthError, invalid_client, invalid_grant
from devidp.provider import IdentityProvider
from devidp.realm import AppliedScopes, Client, InvalidScope
from devidp.sessions import ClientSession, CodeProblem
from devidp.tokens import TokenContext, TokenInvalid

Form = Mapping[str, str]


def authenticate_client(idp: IdentityProvider, form: Form, authorization: str | None) -> Client:
    """The calling client, from HTTP Basic or ``client_id``/``client_secret`` in the body.

    A public client only names itself; a confidential one must prove its secret.
    """
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if authorization and authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise invalid_client() from exc
        basic_id, _, basic_secret = decoded.partition(":")
        # RFC 6749 2.3.1: both parts are form-urlencoded before being joined.
        client_id, secret = unquote_plus(basic_id), unquote_plus(basic_secret)
    if not client_id:
        raise OAuthError("invalid_client", "Missing client_id parameter", 400)
    client = idp.realm.client(client_id)
    if client is None or not client.enabled:
        raise invalid_client()
    if client.confidential and not (
        secret and client.secret and hmac.compare_digest(secret.encode(), client.secret.encode())
    ):
        raise invalid_client()
    return client


def _scopes(idp: IdentityProvider, client: Client, form: Form) -> AppliedScopes:
    try:
        return idp.realm.resolve_scopes(client, form.get("scope"))
    except InvalidScope as exc:
        raise OAuthError("invalid_scope", str(exc)) from exc


def _password(idp: IdentityProvider, client: Client, form: Form, remote_addr: str) -> dict[str, Any]:
    if not client.direct_access_grants:
        raise OAuthError("unauthorized_client", "Client not allowed for direct access grants")
    user = idp.realm.user_by_login(form.get("username") or "")
    if user is None:
        raise invalid_grant("Invalid user credentials", 401)
    # A locked account answers as a wrong password does, right password or not (Keycloak).
    if idp.brute_force.is_locked(user.id):
        raise invalid_grant("Invalid user credentials", 401)
    if not user.password_matches(form.get("password") or ""):
        idp.brute_force.failure(user.id, remote_addr)
        raise invalid_grant("Invalid user credentials", 401)
    if not user.enabled:
        raise invalid_grant("Account disabled")
    # The realm's user profile requires these (Keycloak's default); Keycloak refuses a
    # direct grant to a user who lacks them (keycloak#36108).
    if not (user.email and user.first_name and user.last_name):
        raise invalid_grant("Account is not fully set up")
    idp.brute_force.success(user.id)
    scopes = _scopes(idp, client, form)
    session = idp.sessions.create_session(user.id, browser=False)
    client_session = ClientSession(client_id=client.client_id, scope=form.get("scope") or "", acr="1")
    idp.sessions.attach_client(session.id, client_session)
    ctx = TokenContext(user=user, client=client, scopes=scopes, grant_type="password", session_id=session.id)
    return idp.token_response(ctx, session)


def _client_credentials(idp: IdentityProvider, client: Client, form: Form, remote_addr: str) -> dict[str, Any]:
    if client.public:
        raise OAuthError("unauthorized_client", "Public client not allowed to retrieve service account")
    if not client.service_accounts:
        raise OAuthError("unauthorized_client", "Client not enabled to retrieve service account")
    user = idp.realm.service_account_user(client.client_id)
    if user is None or not user.enabled:
        raise invalid_grant("User disabled")
    # Keycloak 26 issues service-account tokens from a transient session: no sid, no
    # refresh token, and these notes for the service_account scope's mappers.
    ctx = TokenContext(
        user=user,
        client=client,
        scopes=_scopes(idp, client, form),
        grant_type="client_credentials",
        notes={"client_id": client.client_id, "clientHost": remote_addr, "clientAddress": remote_addr},
    )
    return idp.token_response(ctx, session=None)


def _refresh_token(idp: IdentityProvider, client: Client, form: Form, remote_addr: str) -> dict[str, Any]:
    token = form.get("refresh_token")
    if not token:
        raise OAuthError("invalid_request", "Missing parameter: refresh_token")
    try:
        claims = idp.verify_refresh_token(token)
    except TokenInvalid as exc:
        raise invalid_grant("Token is not active" if "not active" in str(exc) else "Invalid refresh token") from exc
    if claims.get("azp") != client.client_id:
        raise invalid_grant("Invalid refresh token. Token client and authorized client don't match")
    session = idp.sessions.session(claims.get("sid"))
    if session is None:
        raise invalid_grant("Session not active")
    client_session = session.clients.get(client.client_id)
    if client_session is None:
        raise invalid_grant("Session doesn't have required client")
    idp.sessions.touch(session.id)
    ctx = idp.user_session_context(session, client, client_session, "refresh_token")
    return idp.token_response(ctx, session, presented_refresh_jti=claims.get("jti"))


def _authorization_code(idp: IdentityProvider, client: Client, form: Form, remote_addr: str) -> dict[str, Any]:
    if not client.standard_flow:
        raise OAuthError("unauthorized_client", "Client not allowed to exchange code")
    code = form.get("code")
    if not code:
        raise OAuthError("invalid_request", "Missing parameter: code")
    record = idp.sessions.redeem_code(code)
    if isinstance(record, CodeProblem):
        raise invalid_grant("Code not valid")
    if record.client_id != client.client_id:
        raise invalid_grant("Auth error")
    if form.get("redirect_uri") != record.redirect_uri:
        raise invalid_grant("Incorrect redirect_uri")
    verifier = form.get("code_verifier")
    if record.code_challenge is not None:
        if not verifier:
            raise invalid_grant("PKCE code verifier not specified")
        if not pkce.is_well_formed(verifier):
            raise invalid_grant("PKCE invalid code verifier")
        if not pkce.verify(verifier, record.code_challenge, record.code_challenge_method or "plain"):
            raise invalid_grant("PKCE verification failed: Code mismatch")
    elif verifier:
        raise invalid_grant("PKCE code verifier specified but challenge not present in authorization")
    session = idp.sessions.session(record.session_id)
    client_session = session.clients.get(client.client_id) if session else None
    if session is None or client_session is None:
        raise invalid_grant("Session not active")
    ctx = idp.user_session_context(session, client, client_session, "authorization_code")
    return idp.token_response(ctx, session)


_Grant = Callable[[IdentityProvider, Client, Form, str], dict[str, Any]]

GRANTS: dict[str, _Grant] = {
    "password": _password,
    "client_credentials": _client_credentials,
    "refresh_token": _refresh_token,
    "authorization_code": _authorization_code,
}


def exchange(idp: IdentityProvider, form: Form, authorization: str | None, remote_addr: str) -> dict[str, Any]:
    """Handle one token request; raises OAuthError with Keycloak's error for a refusal."""
    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "Missing form parameter: grant_type")
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise OAuthError("unsupported_grant_type", "Unsupported grant_type")
    client = authenticate_client(idp, form, authorization)
    return grant(idp, client, form, remote_addr)
