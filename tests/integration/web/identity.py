"""A small OpenID provider standing in for Keycloak in the web interface's
integration tests: the realm's demo users (from infra/keycloak/realm-ttdn.json),
a login form at ``/auth``, authorization code + PKCE S256 at ``/token`` (and
refresh), RP-initiated logout, and the realm's keys at ``/certs`` (the gateway
and the services verify its tokens). It checks what Keycloak checks for a
public client: redirect URI, state round trip, the code verifier, single-use
codes. The tests look inside it (codes, refresh tokens, token requests)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request

from tests.support.tokens import ISSUER, KEY_A, claims, sign

REALM_FILE = Path(__file__).resolve().parents[3] / "infra" / "keycloak" / "realm-ttdn.json"
BASE = ISSUER  # http://idp.test/realms/ttdn


def realm_users() -> dict[str, dict]:
    realm = json.loads(REALM_FILE.read_text(encoding="utf-8"))
    return {user["username"]: user for user in realm["users"]}


class IdentityProvider:
    def __init__(self, *, redirect_prefix: str, access_lifetime: int = 300) -> None:
        self.users = realm_users()
        self.redirect_prefix = redirect_prefix
        self.access_lifetime = access_lifetime
        self.codes: dict[str, dict] = {}
        self.refresh_tokens: dict[str, str] = {}
        self.ended_sessions: list[str | None] = []
        self.token_requests = 0
        self.app = self._build()

    def access_token(self, username: str, lifetime: int | None = None) -> str:
        user = self.users[username]
        attributes = {name: values[0] for name, values in user.get("attributes", {}).items()}
        return sign(
            claims(
                exp=int(time.time()) + (self.access_lifetime if lifetime is None else lifetime),
                sub=user["id"],
                azp="ttdn-web",
                preferred_username=username,
                name=f"{user.get('lastName', '')} {user.get('firstName', '')}".strip(),
                realm_access={"roles": user.get("realmRoles", [])},
                **attributes,
            ),
            KEY_A,
        )

    def _tokens(self, username: str) -> dict:
        refresh = secrets.token_urlsafe(16)
        self.refresh_tokens[refresh] = username
        return {
            "access_token": self.access_token(username),
            "expires_in": self.access_lifetime,
            "refresh_token": refresh,
            "id_token": f"id-token-of-{username}",
            "token_type": "Bearer",
        }

    def _build(self) -> Flask:
        app = Flask("identity-provider")
        provider = self

        @app.get("/realms/ttdn/.well-known/openid-configuration")
        def discovery():  # type: ignore[no-untyped-def]
            return jsonify(
                issuer=BASE,
                authorization_endpoint=f"{BASE}/protocol/openid-connect/auth",
                token_endpoint=f"{BASE}/protocol/openid-connect/token",
                end_session_endpoint=f"{BASE}/protocol/openid-connect/logout",
            )

        @app.get("/realms/ttdn/protocol/openid-connect/auth")
        def authorize():  # type: ignore[no-untyped-def]
            args = request.args
            if args.get("client_id") != "ttdn-web" or not args.get("redirect_uri", "").startswith(
                provider.redirect_prefix
            ):
                return "invalid redirect_uri", 400
            if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
                return "PKCE required", 400
            username = args.get("login_hint", "")  # the test says who types their password
            if username not in provider.users:
                return "login form", 200
            code = secrets.token_urlsafe(16)
            provider.codes[code] = {
                "username": username,
                "challenge": args["code_challenge"],
                "redirect_uri": args["redirect_uri"],
            }
            return redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args.get('state', '')})}")

        @app.post("/realms/ttdn/protocol/openid-connect/token")
        def token():  # type: ignore[no-untyped-def]
            provider.token_requests += 1
            form = request.form
            if form.get("grant_type") == "refresh_token":
                username = provider.refresh_tokens.pop(form.get("refresh_token", ""), None)
                if username is None:
                    return jsonify(error="invalid_grant", error_description="Token is not active"), 400
                return jsonify(provider._tokens(username))
            grant = provider.codes.pop(form.get("code", ""), None)  # single use
            if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
                return jsonify(error="invalid_grant", error_description="Code not valid"), 400
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                return jsonify(error="invalid_grant", error_description="PKCE verification failed"), 400
            return jsonify(provider._tokens(grant["username"]))

        @app.get("/realms/ttdn/protocol/openid-connect/certs")
        def certs():  # type: ignore[no-untyped-def]
            return jsonify(keys=[json.loads(KEY_A.export_public())])

        @app.get("/realms/ttdn/protocol/openid-connect/logout")
        def logout():  # type: ignore[no-untyped-def]
            provider.ended_sessions.append(request.args.get("id_token_hint"))
            return redirect(request.args.get("post_logout_redirect_uri", "/"))

        return app
