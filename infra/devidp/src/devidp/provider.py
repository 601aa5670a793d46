"""The identity provider's state and the operations every endpoint shares."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify

from devidp.bruteforce import BruteForceProtector
from devidp.config import Settings
from devidp.errors import OAuthError, invalid_grant
from devidp.keys import KeyRing
from devidp.realm import Client, Realm, load_realm
from devidp.sessions import ClientSession, SessionStore, UserSession
from devidp.tokens import (
    TokenContext,
    TokenFactory,
    TokenInvalid,
    realm_issuer,
    sign_jwt,
    sign_refresh_token,
    verify_jwt,
)

EXTENSION = "devidp"


class IdentityProvider:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.realm: Realm = load_realm(settings.realm_file)
        self.keys = KeyRing.load_or_generate(self.realm.name, settings.key_file)
        self.issuer = realm_issuer(settings.public_base, self.realm.name)
        self.tokens = TokenFactory(self.realm, self.issuer)
        self.brute_force = BruteForceProtector(self.realm.brute_force)
        self.sessions = SessionStore(
            idle_timeout=self.realm.sso_session_idle_timeout,
            max_lifespan=self.realm.sso_session_max_lifespan,
            code_lifespan=settings.code_lifespan or self.realm.access_code_lifespan,
        )

    def endpoint(self, name: str) -> str:
        return f"{self.issuer}/protocol/openid-connect/{name}"

    # -- issuing -------------------------------------------------------------------------

    def user_session_context(
        self, session: UserSession, client: Client, client_session: ClientSession, grant_type: str
    ) -> TokenContext:
        user = self.realm.user_by_id(session.user_id)
        if user is None or not user.enabled:
            raise invalid_grant("User disabled")
        return TokenContext(
            user=user,
            client=client,
            scopes=self.realm.resolve_scopes(client, client_session.scope),
            grant_type=grant_type,
            session_id=session.id,
            acr=client_session.acr,
            # Keycloak records AUTH_TIME only for logins through the browser flow.
            notes={"AUTH_TIME": str(session.auth_time)} if session.browser else {},
            nonce=client_session.nonce,
        )

    def token_response(
        self, ctx: TokenContext, session: UserSession | None, presented_refresh_jti: str | None = None
    ) -> dict[str, Any]:
        """The token endpoint's answer, field for field as Keycloak sends it."""
        now = int(time.time())
        refresh_token = None
        refresh_expires_in = 0
        if session is not None:
            expires_at = self.sessions.refresh_expires_at(session)
            refresh_claims = self.tokens.refresh_token_claims(ctx, expires_at, now)
            problem = self.sessions.refresh_token_problem(
                session.id,
                ctx.client.client_id,
                presented_refresh_jti,
                refresh_claims["jti"],
                self.realm.revoke_refresh_token,
                self.realm.refresh_token_max_reuse,
            )
            if problem is not None:
                # A refresh token used once too often was copied: the client's part in the
                # session ends, so the copy and the original both stop working (Keycloak).
                self.sessions.detach_client(session.id, ctx.client.client_id)
                raise invalid_grant(problem)
            refresh_token = sign_refresh_token(refresh_claims, self.keys.hmac_key)
            refresh_expires_in = expires_at - now

        key = self.keys.active
        access_claims = self.tokens.access_token_claims(ctx, now)
        access_token = sign_jwt(access_claims, key)
        body: dict[str, Any] = {
            "access_token": access_token,
            "expires_in": access_claims["exp"] - now,
            "refresh_expires_in": refresh_expires_in,
        }
        if refresh_token is not None:
            body["refresh_token"] = refresh_token
        body["token_type"] = "Bearer"
        if ctx.scopes.openid:
            body["id_token"] = sign_jwt(self.tokens.id_token_claims(ctx, now, access_token), key)
        body["not-before-policy"] = 0
        if session is not None:
            body["session_state"] = session.id
        body["scope"] = ctx.scopes.scope_claim
        return body

    # -- checking ------------------------------------------------------------------------

    def verify_access_token(self, token: str) -> dict[str, Any]:
        claims = verify_jwt(token, self.keys.verification_keys(), ["RS256"], expected_typ="Bearer")
        if claims.get("iss") != self.issuer:
            raise TokenInvalid("invalid token issuer")
        return claims

    def verify_refresh_token(self, token: str) -> dict[str, Any]:
        claims = verify_jwt(token, self.keys.hmac_key, ["HS512"], expected_typ="Refresh")
        if claims.get("iss") != self.issuer:
            raise TokenInvalid("invalid token issuer")
        return claims

    def verify_id_token_hint(self, token: str) -> dict[str, Any]:
        # Keycloak accepts an expired ID token as a logout hint; it only identifies the session.
        claims = verify_jwt(token, self.keys.verification_keys(), ["RS256"], expected_typ="ID", check_expiry=False)
        if claims.get("iss") != self.issuer:
            raise TokenInvalid("invalid token issuer")
        return claims

    def active_context(self, claims: dict[str, Any]) -> TokenContext | None:
        """The context of a verified access token if it is still active, else None.

        A user's token is active while its session lives and its client is still part of
        it; a service account's token (no ``sid``) while it has not expired.
        """
        client = self.realm.client(claims.get("azp"))
        if client is None:
            return None
        session_id = claims.get("sid")
        if session_id is None:
            user = self.realm.service_account_user(client.client_id)
            if user is None or user.id != claims.get("sub", user.id) or not user.enabled:
                return None
            return TokenContext(
                user=user,
                client=client,
                scopes=self.realm.resolve_scopes(client, claims.get("scope")),
                grant_type="client_credentials",
                notes={
                    "client_id": client.client_id,
                    "clientHost": claims.get("clientHost", ""),
                    "clientAddress": claims.get("clientAddress", ""),
                },
            )
        session = self.sessions.session(session_id)
        client_session = session.clients.get(client.client_id) if session else None
        if session is None or client_session is None:
            return None
        try:
            return self.user_session_context(session, client, client_session, "refresh_token")
        except OAuthError:  # the user was disabled: the token is no longer active
            return None


def current() -> IdentityProvider:
    provider: IdentityProvider = current_app.extensions[EXTENSION]
    return provider


def bind_realm(blueprint: Blueprint, not_found: dict[str, str]) -> None:
    """Route ``<realm>`` in ``blueprint``'s URLs to the loaded realm; any other name is a 404."""

    @blueprint.url_value_preprocessor
    def pop_realm(endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.realm_name = (values or {}).pop("realm", None)

    @blueprint.url_defaults
    def add_realm(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("realm", current().realm.name)

    @blueprint.before_request
    def check_realm() -> Response | None:
        if g.realm_name != current().realm.name:
            response = jsonify(not_found)
            response.status_code = 404
            return response
        return None
