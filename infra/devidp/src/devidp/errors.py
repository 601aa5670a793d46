"""OAuth 2.0 error responses with Keycloak's bodies: {"error": ..., "error_description": ...}."""

from __future__ import annotations

from flask import Response, jsonify


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or {}

    def response(self) -> Response:
        response = jsonify({"error": self.error, "error_description": self.description})
        response.status_code = self.status
        response.headers.update(self.headers)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response


def invalid_client() -> OAuthError:
    return OAuthError("invalid_client", "Invalid client or Invalid client credentials", 401)


def invalid_grant(description: str, status: int = 400) -> OAuthError:
    return OAuthError("invalid_grant", description, status)
