"""A person at a browser against the running suite's web interface, over HTTP:
one cookie jar for the gateway and the identity provider, the login typed into
the identity provider's form, forms posted with their CSRF token."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from urllib.parse import urljoin

import requests

from tests.support.stack import PASSWORD, Stack

EVENT_TIMEOUT = 30.0  # what another service does arrives by event, through RabbitMQ


class WebUser:
    def __init__(self, stack: Stack, username: str) -> None:
        self.base = stack.url("gateway")
        self.username = username
        self.http = requests.Session()

    def login(self, start: str = "/") -> requests.Response:
        form = self.http.get(self.base + start, timeout=10)
        action = re.search(r'id="kc-form-login"[^>]*action="([^"]+)"', form.text)
        assert action, f"no login form at {form.url}"
        page = self.http.post(
            urljoin(form.url, html.unescape(action.group(1))),
            data={"username": self.username, "password": PASSWORD},
            timeout=10,
        )
        assert page.url.startswith(self.base), page.url
        return page

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, allow_redirects=False, timeout=10)

    def csrf(self, page: requests.Response) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match, "the page carries no CSRF token"
        return match.group(1)

    def post(self, path: str, data: dict | list, *, from_page: requests.Response | None = None) -> requests.Response:
        token = self.csrf(from_page or self.get("/inbox"))
        fields = list(data.items()) if isinstance(data, dict) else list(data)
        return self.http.post(
            self.base + path, data=[("csrf_token", token), *fields], allow_redirects=False, timeout=10
        )

    def follow(self, response: requests.Response) -> requests.Response:
        while response.status_code in (302, 303):
            response = self.http.get(urljoin(response.url, response.headers["Location"]), allow_redirects=False)
        return response

    def until(self, path: str, found: Callable[[requests.Response], bool], what: str) -> requests.Response:
        """Open ``path`` until ``found`` says the page shows what events were to bring."""
        deadline = time.monotonic() + EVENT_TIMEOUT
        while True:
            page = self.get(path)
            if found(page):
                return page
            assert time.monotonic() < deadline, f"{what} never appeared at {path}"
            time.sleep(0.2)


def text_of(response: requests.Response) -> str:
    """The page's visible text, tags removed, whitespace collapsed (what a reader sees)."""
    page = re.sub(r"<(script|style|template)\b.*?</\1>", " ", response.text, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()
