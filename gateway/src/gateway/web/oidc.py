"""The browser login: OpenID Connect authorization code with PKCE (S256) for the
public client ``ttdn-web``, against Keycloak or the development identity
provider (same paths). Plain HTTP against the realm's discovery document, so
the one pooled session of the worker carries it."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests

from .sessions import TokenSet


class LoginFailed(Exception):
    """The identity provider refused the code or the refresh token, or could not be reached."""


def new_code_verifier() -> str:
    """RFC 7636: 43-128 characters of [A-Za-z0-9-._~]; 64 random bytes give 86."""
    return secrets.token_urlsafe(64)


def s256_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Endpoints:
    authorization: str
    token: str
    end_session: str | None


class OpenIdClient:
    def __init__(
        self,
        realm_url: str,
        public_realm_url: str,
        client_id: str,
        http: requests.Session,
        *,
        timeout: float = 10.0,
    ) -> None:
        self.realm_url = realm_url.rstrip("/")
        self.public_realm_url = public_realm_url.rstrip("/")
        self.client_id = client_id
        self.http = http
        self.timeout = timeout
        self._endpoints: Endpoints | None = None
        self._lock = threading.Lock()

    def endpoints(self) -> Endpoints:
        with self._lock:
            if self._endpoints is None:
                document = self._get_json(f"{self.realm_url}/.well-known/openid-configuration")
                self._endpoints = Endpoints(
                    authorization=self._public(document["authorization_endpoint"]),
                    token=self._internal(document["token_endpoint"]),
                    end_session=self._public(document["end_session_endpoint"])
                    if document.get("end_session_endpoint")
                    else None,
                )
            return self._endpoints

    # The discovery document names the realm as the IdP was asked for it; browsers and
    # the gateway may reach the IdP under different names (keycloak:8080 vs localhost).
    def _public(self, url: str) -> str:
        return url.replace(self.realm_url, self.public_realm_url, 1)

    def _internal(self, url: str) -> str:
        return url.replace(self.public_realm_url, self.realm_url, 1)

    def authorization_url(
        self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str, locale: str | None = None
    ) -> str:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid profile email",
            "state": state,
            "nonce": nonce,
            "code_challenge": s256_challenge(code_verifier),
            "code_challenge_method": "S256",
        }
        if locale:
            query["ui_locales"] = locale
        return f"{self.endpoints().authorization}?{urlencode(query)}"

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        return self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
                "client_id": self.client_id,
            }
        )

    def refresh(self, refresh_token: str) -> TokenSet:
        return self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": self.client_id}
        )

    def end_session_url(self, *, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        """Keycloak's RP-initiated logout: the browser visits it and its SSO session ends."""
        endpoint = self.endpoints().end_session
        if endpoint is None:
            return None
        query = {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        if id_token:
            query["id_token_hint"] = id_token
        return f"{endpoint}?{urlencode(query)}"

    def _token_request(self, form: dict[str, str]) -> TokenSet:
        started = time.time()
        try:
            response = self.http.post(self.endpoints().token, data=form, timeout=self.timeout)
        except requests.RequestException as error:
            raise LoginFailed(f"the identity provider cannot be reached ({error.__class__.__name__})") from error
        if response.status_code != 200:
            raise LoginFailed(_oauth_error(response))
        body = response.json()
        lifetime = int(body.get("expires_in") or 60)
        return TokenSet(
            access_token=body["access_token"],
            # Refresh a little early so a token never expires between our check and the service's.
            access_expires_at=datetime.fromtimestamp(started, UTC) + timedelta(seconds=max(lifetime - 15, 1)),
            refresh_token=body.get("refresh_token"),
            id_token=body.get("id_token"),
        )

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self.http.get(url, timeout=self.timeout)
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as error:
            raise LoginFailed(f"the identity provider cannot be reached ({error.__class__.__name__})") from error


def _oauth_error(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    return f"{body.get('error', 'error')}: {body.get('error_description', '')}".strip(": ")
