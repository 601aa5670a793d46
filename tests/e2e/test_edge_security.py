"""The public edge against the real processes (gunicorn, the gateway, the development
identity provider): where a login may send a browser, what the web interface passes
upstream, one refresh at a time per web session, and what an outsider can learn."""

from __future__ import annotations

import hashlib
import re
import threading
from html import unescape
from urllib.parse import urljoin

import psycopg
import requests

from tests.support.stack import PASSWORD, Stack

EVIL = ["/%09/evil.example", "/%0A/evil.example", "/%0D/evil.example", "%09//evil.example", "/%5C/evil.example"]


def web_login(stack: Stack, username: str, next_path: str | None = None) -> tuple[requests.Session, requests.Response]:
    """Sign in through the web interface as a browser does; the answer is the gateway's last redirect."""
    browser = requests.Session()
    start = browser.get(
        stack.url("gateway") + "/login", params={"next": next_path} if next_path else None, allow_redirects=False
    )
    assert start.status_code == 302, start.text[:300]
    form = browser.get(start.headers["Location"])
    action = unescape(re.search(r'id="kc-form-login" action="([^"]+)"', form.text).group(1))
    answer = browser.post(
        urljoin(form.url, action), data={"username": username, "password": PASSWORD}, allow_redirects=False
    )
    assert answer.status_code == 302 and "/callback?" in answer.headers["Location"], answer.text[:300]
    back = browser.get(answer.headers["Location"], allow_redirects=False)
    assert back.status_code == 302
    return browser, back


def csrf_token(page: requests.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_a_login_never_sends_the_browser_to_another_site(stack: Stack) -> None:
    gateway = stack.url("gateway")
    for target in EVIL:  # not signed in: the login starts (no 500 for a newline), nothing else
        answer = requests.get(f"{gateway}/login?next={target}", allow_redirects=False, timeout=30)
        assert answer.status_code == 302 and answer.headers["Location"].startswith(stack.idp), target
    browser, landed = web_login(stack, "drafter.ls", next_path="/\t/evil.example")
    assert landed.headers["Location"] == "/"
    for target in EVIL:  # signed in: /login sends on at once
        assert browser.get(f"{gateway}/login?next={target}", allow_redirects=False).headers["Location"] == "/"
    page = browser.get(f"{gateway}/inbox")
    for target in ("/\t/evil.example", "/\n/evil.example", " //evil.example", "/\\evil.example"):
        answer = browser.post(
            f"{gateway}/language",
            data={"csrf_token": csrf_token(page), "locale": "en", "next": target},
            allow_redirects=False,
        )
        assert (answer.status_code, answer.headers["Location"]) == (302, "/"), repr(target)
    kept = browser.post(
        f"{gateway}/language", data={"csrf_token": csrf_token(page), "locale": "vi", "next": "/plans?year=2025"}
    )
    assert kept.status_code == 200 and kept.url == f"{gateway}/plans?year=2025"


def test_the_web_interface_passes_only_ids_upstream(stack: Stack) -> None:
    gateway = stack.url("gateway")
    browser, _ = web_login(stack, "dept.ls")
    for path in ("/approvals/tasks", "/approvals/..%2Fplans", "/plans/x%3Fstatus%3Ddraft", "/plans/%0A/edit"):
        answer = browser.get(gateway + path, allow_redirects=False)
        assert answer.status_code == 404, path
    assert "text/html" in browser.get(f"{gateway}/approvals/tasks").headers["Content-Type"]  # the web's own page
    assert browser.get(f"{gateway}/tasks").status_code == 200  # the list of tasks is where it was


def test_requests_refreshing_one_web_session_together_keep_it_signed_in(stack: Stack) -> None:
    gateway = stack.url("gateway")
    browser, _ = web_login(stack, "province.ls")
    cookie = browser.cookies["ttdn_session"]
    digest = hashlib.sha256(cookie.encode("ascii")).hexdigest()
    with psycopg.connect(stack.databases["gateway"], autocommit=True) as db:
        (before,) = db.execute("SELECT refresh_token FROM web_sessions WHERE id_sha256 = %s", (digest,)).fetchone()
        # The access token has expired: every request below must refresh it (refresh tokens are single-use).
        db.execute(
            "UPDATE web_sessions SET access_expires_at = now() - interval '1 minute' WHERE id_sha256 = %s", (digest,)
        )
    start = threading.Barrier(6)
    statuses: list[int] = []

    def page() -> None:
        start.wait()
        answer = requests.get(f"{gateway}/tasks", cookies={"ttdn_session": cookie}, allow_redirects=False, timeout=30)
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=page) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [200] * 6
    assert browser.get(f"{gateway}/tasks", allow_redirects=False).status_code == 200
    with psycopg.connect(stack.databases["gateway"], autocommit=True) as db:
        (after,) = db.execute("SELECT refresh_token FROM web_sessions WHERE id_sha256 = %s", (digest,)).fetchone()
    assert after != before  # refreshed (once), and the new refresh token is the one kept


def test_an_outsider_learns_nothing_of_what_is_behind_the_gateway(stack: Stack) -> None:
    gateway = stack.url("gateway")
    ready = requests.get(f"{gateway}/readyz", timeout=30)
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
    assert requests.get(f"{gateway}/metrics", timeout=30).status_code == 401
    drafter = stack.session("drafter.ls")
    assert drafter.get(f"{gateway}/metrics").status_code == 403
    monitoring = stack.openid("ttdn-monitoring", "monitoring-secret").token(grant_type="client_credentials")
    operator = {"Authorization": f"Bearer {monitoring['access_token']}"}
    assert "ttdn_http_requests_total" in requests.get(f"{gateway}/metrics", headers=operator, timeout=30).text
    assert set(requests.get(f"{gateway}/readyz", headers=operator, timeout=30).json()["checks"]) >= {
        "plans",
        "approvals",
    }
    assert "Server" not in requests.get(f"{stack.idp}/realms/ttdn/.well-known/openid-configuration", timeout=30).headers
    answer = drafter.get(f"{stack.api}/plans")
    assert answer.headers["Cache-Control"] == "no-store" and answer.headers["X-Content-Type-Options"] == "nosniff"
    docs = requests.get(f"{stack.api}/docs", timeout=30).headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in docs


def test_an_over_long_uri_is_a_problem_414_from_gunicorn_too(stack: Stack) -> None:
    for base in (stack.api + "/plans", stack.url("plans") + "/plans", stack.url("notifications") + "/notifications"):
        answer = requests.get(base, params={"q": "hà" * 2000}, timeout=30)
        assert answer.status_code == 414, base
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert answer.json()["status"] == 414
