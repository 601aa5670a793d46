"""Keycloak's OpenID Connect endpoints for the realm: discovery, keys, token, userinfo, introspection.

Paths are Keycloak's (``/realms/{realm}/...``, no ``/auth`` prefix), and so are the
bodies, the error bodies and the CORS behaviour: the token endpoint answers a browser
only from an origin the client lists in its web origins.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from devidp import pkce
from devidp.errors import OAuthError
from devidp.grants import GRANTS, authenticate_client, exchange
from devidp.provider import bind_realm, current
from devidp.tokens import TokenInvalid

bp = Blueprint("oidc", __name__, url_prefix="/realms/<realm>")
bind_realm(bp, {"error": "Realm does not exist", "error_description": "Realm does not exist"})

_ANY_ORIGIN = ("*",)
_PREFLIGHT_HEADERS = (
    "Origin, Accept, X-Requested-With, Content-Type, Access-Control-Request-Method, "
    "Access-Control-Request-Headers, Authorization, DPoP"
)


def _json(body: Any, status: int = 200, no_store: bool = False) -> Response:
    response = jsonify(body)
    response.status_code = status
    if no_store:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def client_origins() -> tuple[str, ...]:
    client = current().realm.client(request.form.get("client_id"))
    return tuple(client.allowed_origins()) if client else ()


@bp.after_request
def cors(response: Response) -> Response:
    origin = request.headers.get("Origin")
    allowed: tuple[str, ...] = _ANY_ORIGIN if request.method == "OPTIONS" else g.get("cors_origins", ())
    if origin and (origin in allowed or "*" in allowed):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = _PREFLIGHT_HEADERS
            response.headers["Access-Control-Max-Age"] = "3600"
    return response


# -- discovery --------------------------------------------------------------------------


@bp.get("")
def realm_info() -> Response:
    idp = current()
    g.cors_origins = _ANY_ORIGIN
    return _json(
        {
            "realm": idp.realm.name,
            "public_key": idp.keys.active.public_key_b64,
            "token-service": f"{idp.issuer}/protocol/openid-connect",
            "account-service": f"{idp.issuer}/account",
            "tokens-not-before": 0,
        }
    )


@bp.get("/.well-known/openid-configuration")
def openid_configuration() -> Response:
    idp = current()
    g.cors_origins = _ANY_ORIGIN
    auth_methods = ["client_secret_basic", "client_secret_post"]
    return _json(
        {
            "issuer": idp.issuer,
            "authorization_endpoint": idp.endpoint("auth"),
            "token_endpoint": idp.endpoint("token"),
            "introspection_endpoint": idp.endpoint("token/introspect"),
            "userinfo_endpoint": idp.endpoint("userinfo"),
            "end_session_endpoint": idp.endpoint("logout"),
            "frontchannel_logout_session_supported": False,
            "frontchannel_logout_supported": False,
            "jwks_uri": idp.endpoint("certs"),
            "grant_types_supported": list(GRANTS),
            "acr_values_supported": ["0", "1"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "prompt_values_supported": ["none", "login"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "userinfo_signing_alg_values_supported": ["none"],
            "response_modes_supported": ["query", "fragment"],
            "token_endpoint_auth_methods_supported": auth_methods,
            "introspection_endpoint_auth_methods_supported": auth_methods,
            "claims_supported": [
                "aud",
                "sub",
                "iss",
                "auth_time",
                "name",
                "given_name",
                "family_name",
                "preferred_username",
                "email",
                "email_verified",
                "acr",
                "locale",
                "org_unit",
                "province",
                "position",
            ],
            "claim_types_supported": ["normal"],
            "claims_parameter_supported": False,
            "scopes_supported": ["openid", *idp.realm.client_scopes],
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "code_challenge_methods_supported": list(pkce.METHODS),
            "tls_client_certificate_bound_access_tokens": False,
            "backchannel_logout_supported": False,
            "authorization_response_iss_parameter_supported": True,
        }
    )


@bp.get("/protocol/openid-connect/certs")
def certs() -> Response:
    g.cors_origins = _ANY_ORIGIN
    response = _json(current().keys.jwks())
    response.headers["Cache-Control"] = "no-cache"
    return response


# -- token --------------------------------------------------------------------------------


@bp.post("/protocol/openid-connect/token")
def token() -> Response:
    g.cors_origins = client_origins()  # so a browser can read errors as well as tokens
    try:
        body = exchange(current(), request.form, request.headers.get("Authorization"), request.remote_addr or "")
    except OAuthError as error:
        return error.response()
    return _json(body, no_store=True)


# -- userinfo -----------------------------------------------------------------------------


def _bearer_error(status: int, error: str, description: str) -> Response:
    response = _json({"error": error, "error_description": description}, status)
    response.headers["WWW-Authenticate"] = (
        f'Bearer realm="{current().realm.name}", error="{error}", error_description="{description}"'
    )
    return response


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.form.get("access_token") or None


@bp.route("/protocol/openid-connect/userinfo", methods=["GET", "POST"])
def userinfo() -> Response:
    idp = current()
    token = bearer_token()
    if token is None:
        return _bearer_error(401, "invalid_request", "Token not provided")
    try:
        claims = idp.verify_access_token(token)
    except TokenInvalid:
        return _bearer_error(401, "invalid_token", "Token verification failed")
    g.cors_origins = tuple(claims.get("allowed-origins") or ())
    if "openid" not in str(claims.get("scope", "")).split():
        # Keycloak 20+: userinfo is part of OpenID Connect, so it needs the openid scope.
        return _bearer_error(403, "insufficient_scope", "Missing openid scope")
    ctx = idp.active_context(claims)
    if ctx is None:
        return _bearer_error(401, "invalid_token", "User session not found or doesn't have client attached on it")
    return _json(idp.tokens.userinfo_claims(ctx))


# -- introspection -------------------------------------------------------------------------


@bp.post("/protocol/openid-connect/token/introspect")
def introspect() -> Response:
    idp = current()
    g.cors_origins = client_origins()
    try:
        client = authenticate_client(idp, request.form, request.headers.get("Authorization"))
    except OAuthError as error:
        return error.response()
    if client.public:
        return OAuthError("invalid_request", "Client not allowed.", 403).response()
    token = request.form.get("token")
    if not token:
        return OAuthError("invalid_request", "Token not provided.").response()
    return _json(_introspection(token), no_store=True)


def _introspection(token: str) -> dict[str, Any]:
    idp = current()
    try:
        claims = idp.verify_access_token(token)
    except TokenInvalid:
        pass
    else:
        ctx = idp.active_context(claims)
        return idp.tokens.introspection_claims(ctx, claims) if ctx else {"active": False}
    try:
        claims = idp.verify_refresh_token(token)
    except TokenInvalid:
        return {"active": False}
    session = idp.sessions.session(claims.get("sid"))
    if session is None or claims.get("azp") not in session.clients:
        return {"active": False}
    user = idp.realm.user_by_id(session.user_id)
    return {
        **claims,
        "client_id": claims.get("azp"),
        "username": user.username if user else None,
        "token_type": "Refresh",
        "active": True,
    }
