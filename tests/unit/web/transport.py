"""A requests transport that hands requests to in-process WSGI apps by host name,
so the web interface's real HTTP client code runs in unit tests without sockets."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import urlsplit

import requests
from flask import Flask
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict


class WSGITransport(BaseAdapter):
    def __init__(self, apps: dict[str, Flask]) -> None:
        super().__init__()
        self.apps = apps
        self.calls: list[tuple[str, str]] = []

    def send(self, request: requests.PreparedRequest, **_kwargs: object) -> requests.Response:
        parts = urlsplit(request.url)
        app = self.apps.get(parts.netloc)
        if app is None:
            raise requests.ConnectionError(f"nothing listens on {parts.netloc}")
        self.calls.append((request.method or "GET", parts.path))
        body = request.body.encode() if isinstance(request.body, str) else request.body
        answer = app.test_client().open(
            parts.path,
            method=request.method,
            query_string=parts.query,
            headers=dict(request.headers),
            data=body,
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(answer.headers)
        response.raw = BytesIO(answer.get_data())
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


def session_for(apps: dict[str, Flask]) -> tuple[requests.Session, WSGITransport]:
    transport = WSGITransport(apps)
    session = requests.Session()
    session.mount("http://", transport)
    return session, transport
