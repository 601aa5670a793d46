"""Signing in with authorization code + PKCE, server-side tokens, the cookie's
flags, CSRF, refresh and logout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, unquote, urlsplit

from tests.integration.web.conftest import Browser, World, text_of


def test_a_visitor_is_sent_to_the_identity_provider_with_pkce_s256(browser: Browser) -> None:
    response = browser.get("/plans")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    authorize = browser.get(response.headers["Location"])
    target = urlsplit(authorize.headers["Location"])
    query = parse_qs(target.query)
    assert (target.netloc, target.path) == ("idp.test", "/realms/ttdn/protocol/openid-connect/auth")
    assert query["client_id"] == ["ttdn-web"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256, unpadded
    assert query["redirect_uri"] == ["http://web.test/callback"]
    assert query["response_type"] == ["code"] and "openid" in query["scope"][0]


def test_login_lands_on_the_page_asked_for_and_keeps_tokens_off_the_browser(browser: Browser) -> None:
    page = browser.login("drafter.cb", start="/inbox")
    assert page.status_code == 200
    assert "Thông báo" in text_of(page)
    cookies = {cookie.key: cookie for cookie in browser.client._cookies.values()}
    session_cookie = cookies["ttdn_session"]
    assert session_cookie.value.count(".") == 0 and len(session_cookie.value) >= 40  # an opaque id, not a JWT
    body = page.get_data(as_text=True)
    assert "eyJ" not in body  # no token in the page either


def test_the_session_cookie_is_httponly_and_samesite_and_secure_outside_development(world: World) -> None:
    browser = Browser(world)
    browser.get("/login")
    start = browser.get("/login")
    parts = urlsplit(start.headers["Location"])
    back = browser.idp.get(f"{parts.path}?{parts.query}&login_hint=drafter.cb")
    callback = urlsplit(back.headers["Location"])
    answer = browser.client.get(f"{callback.path}?{callback.query}")
    header = next(value for value in answer.headers.getlist("Set-Cookie") if value.startswith("ttdn_session="))
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Secure" not in header  # WEB_ENVIRONMENT=development (the default for local runs)

    settings = world.app.extensions["web"].settings
    assert settings.model_copy(update={"web_environment": "production"}).secure_cookie


def test_the_session_id_changes_at_login(browser: Browser) -> None:
    browser.get("/login")
    before = browser.client.get_cookie("ttdn_session").value
    browser.login("drafter.cb")
    assert browser.client.get_cookie("ttdn_session").value != before


def test_a_forged_state_does_not_sign_anyone_in(browser: Browser, world: World) -> None:
    browser.get("/login")
    answer = browser.get("/callback?code=stolen&state=forged")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert world.idp.token_requests == 0


def test_a_code_with_the_wrong_verifier_is_refused_by_the_provider(browser: Browser, world: World) -> None:
    start = browser.get("/login")
    parts = urlsplit(start.headers["Location"])
    back = urlsplit(browser.idp.get(f"{parts.path}?{parts.query}&login_hint=drafter.cb").headers["Location"])
    state = parse_qs(back.query)["state"][0]
    world.idp.codes[parse_qs(back.query)["code"][0]]["challenge"] = "not-the-challenge-we-sent"
    answer = browser.get(f"/callback?code={parse_qs(back.query)['code'][0]}&state={state}")
    assert answer.status_code == 401
    assert "Đăng nhập không thành công" in text_of(answer)


def test_a_post_without_the_csrf_token_is_refused(browser: Browser) -> None:
    browser.login("drafter.cb")
    answer = browser.client.post("/inbox/read-all", data={})
    assert answer.status_code == 400
    assert "Phiên của biểu mẫu đã hết hạn" in text_of(answer)
    wrong = browser.client.post("/inbox/read-all", data={"csrf_token": "x" * 43})
    assert wrong.status_code == 400


def test_an_expired_access_token_is_refreshed_on_the_server(browser: Browser, world: World) -> None:
    browser.login("drafter.cb")
    context = world.app.extensions["web"]
    session = context.sessions.load(browser.client.get_cookie("ttdn_session").value)
    session.access_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    context.sessions.save(session)
    requests_before = world.idp.token_requests
    assert browser.get("/plans").status_code == 200
    assert world.idp.token_requests == requests_before + 1


def test_a_revoked_refresh_token_sends_the_user_to_sign_in_again(browser: Browser, world: World) -> None:
    browser.login("drafter.cb")
    context = world.app.extensions["web"]
    session = context.sessions.load(browser.client.get_cookie("ttdn_session").value)
    session.access_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    context.sessions.save(session)
    world.idp.refresh_tokens.clear()  # the SSO session ended elsewhere
    answer = browser.get("/plans")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_logout_ends_the_local_session_and_the_identity_providers(browser: Browser, world: World) -> None:
    page = browser.login("drafter.cb", start="/plans")
    cookie = browser.client.get_cookie("ttdn_session").value
    answer = browser.post("/logout", {}, from_page=page)
    target = urlsplit(answer.headers["Location"])
    assert target.path == "/realms/ttdn/protocol/openid-connect/logout"
    query = parse_qs(target.query)
    assert query["id_token_hint"] == ["id-token-of-drafter.cb"]
    assert query["post_logout_redirect_uri"] == ["http://web.test/logged-out"]
    assert world.app.extensions["web"].sessions.load(cookie) is None
    assert browser.get("/plans").status_code == 302


def test_the_language_follows_the_token_and_can_be_switched(browser: Browser) -> None:
    page = browser.login("drafter2.cb", start="/plans")  # an English-speaking drafter
    assert "Your unit's plans" in text_of(page)
    browser.post("/language", {"locale": "vi", "next": "/plans"}, from_page=page)
    assert "Kế hoạch của đơn vị" in text_of(browser.get("/plans"))


def test_a_login_never_redirects_off_site(browser: Browser) -> None:
    page = browser.login("drafter.cb", start="/login?next=//evil.example/")
    assert page.status_code == 200
    assert browser.get("/login?next=https://evil.example/").headers["Location"] == "/"


BROWSER_READS_AS_ANOTHER_SITE = [
    "/%09/evil.example",  # a tab: browsers drop it and see //evil.example
    "/%0A/evil.example",
    "/%0D%0A/evil.example",
    "%09//evil.example",
    "%20//evil.example",  # a leading space is stripped as well
    "/%5C/evil.example",  # a backslash is a slash to browsers
    "/%09%5Cevil.example",
    "https:%09//evil.example",
    "/%00/x",
]


def test_a_next_that_a_browser_would_read_as_another_site_is_refused(browser: Browser) -> None:
    for target in BROWSER_READS_AS_ANOTHER_SITE:  # not signed in: the login starts, and must not fail
        assert browser.get(f"/login?next={target}").status_code == 302, target
    page = browser.login("drafter.cb", start="/login?next=/%09/evil.example")
    assert page.status_code == 200 and "evil" not in page.request.url
    for target in BROWSER_READS_AS_ANOTHER_SITE:
        assert browser.get(f"/login?next={target}").headers["Location"] == "/", target
        answer = browser.post("/language", {"locale": "vi", "next": unquote(target)}, from_page=page)
        assert answer.headers["Location"] == "/", target
    # What is a path of this site is kept, with its query.
    assert browser.get("/login?next=/plans%3Fyear%3D2025").headers["Location"] == "/plans?year=2025"
    assert browser.post("/language", {"locale": "vi", "next": "/inbox"}, from_page=page).headers["Location"] == "/inbox"


def test_a_login_that_is_never_finished_expires_within_minutes(browser: Browser, world: World) -> None:
    browser.get("/login")
    store = world.app.extensions["web"].sessions
    pending = store.load(browser.client.get_cookie("ttdn_session").value)
    assert pending is not None and not pending.signed_in and pending.code_verifier
    assert pending.expires_at <= datetime.now(UTC) + timedelta(minutes=15)
    browser.login("drafter.cb")
    signed_in = store.load(browser.client.get_cookie("ttdn_session").value)
    assert signed_in.expires_at >= datetime.now(UTC) + timedelta(hours=9)  # a work day (WEB_SESSION_HOURS=10)


def test_an_inbox_items_link_opens_only_a_page_of_this_site(browser: Browser) -> None:
    browser.login("drafter.cb")
    # The link of an item: it marks the item read (an id not in the reader's inbox marks nothing) and
    # opens the page it names, never another site's.
    opened = browser.get("/inbox/0b6c2f55-8d7e-4a1b-9c3d-2e1f0a9b8c7d/open?to=/plans/5f0c8a1e")
    assert opened.status_code == 303 and opened.headers["Location"] == "/plans/5f0c8a1e"
    for elsewhere in ("https://evil.example/plans/1", "//evil.example/plans/1", "/\t/evil.example"):
        refused = browser.get(f"/inbox/0b6c2f55-8d7e-4a1b-9c3d-2e1f0a9b8c7d/open?to={quote(elsewhere)}")
        assert refused.status_code == 303 and "evil" not in refused.headers["Location"], elsewhere
