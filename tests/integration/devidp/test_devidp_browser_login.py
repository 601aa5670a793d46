"""The authorization-code flow with PKCE, driven with plain HTTP as a browser would."""

import html
import re
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from devidp.pkce import s256_challenge

CLIENT = "ttdn-web"
REDIRECT_URI = "http://localhost:8000/callback"
PASSWORD = "ttdn2024"


class Browser:
    """A cookie jar that stops at redirects to the client (nothing listens on :8000 in tests)."""

    def __init__(self, devidp) -> None:
        self.devidp = devidp
        self.http = requests.Session()
        self.verifier = secrets.token_urlsafe(48)
        self.state = secrets.token_urlsafe(8)

    def authorize(self, **overrides: str) -> requests.Response:
        params = {
            "client_id": CLIENT,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "openid",
            "state": self.state,
            "nonce": "n-0S6_WzA2Mj",
            "code_challenge": s256_challenge(self.verifier),
            "code_challenge_method": "S256",
            **overrides,
        }
        params = {k: v for k, v in params.items() if v is not None}
        return self.http.get(f"{self.devidp.endpoint('auth')}?{urlencode(params)}", allow_redirects=False, timeout=5)

    def submit(self, page: requests.Response, username: str, password: str) -> requests.Response:
        action = html.unescape(re.search(r'id="kc-form-login" action="([^"]+)"', page.text).group(1))
        return self.http.post(
            requests.compat.urljoin(page.url, action),
            data={"username": username, "password": password},
            allow_redirects=False,
            timeout=5,
        )

    def login(self, username: str = "dept.cb") -> str:
        page = self.authorize()
        assert page.status_code == 200
        return code_from(self.submit(page, username, PASSWORD), self.state)

    def exchange(self, code: str, **overrides: str) -> requests.Response:
        form = {
            "grant_type": "authorization_code",
            "client_id": CLIENT,
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": self.verifier,
            **overrides,
        }
        return requests.post(self.devidp.endpoint("token"), data=form, timeout=5)


def redirect_params(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def code_from(response: requests.Response, state: str) -> str:
    params = redirect_params(response)
    assert params["state"] == state
    return params["code"]


@pytest.fixture
def browser(devidp) -> Browser:
    return Browser(devidp)


def test_login_and_exchange(devidp, browser: Browser) -> None:
    page = browser.authorize()
    assert 'id="username"' in page.text and 'id="kc-login"' in page.text
    assert "Đăng nhập" in page.text and "Sign in" in page.text
    response = browser.submit(page, "dept.cb", PASSWORD)
    params = redirect_params(response)
    assert params["iss"] == devidp.issuer and params["session_state"]
    assert "KEYCLOAK_IDENTITY" in browser.http.cookies

    tokens = browser.exchange(params["code"]).json()
    openid = devidp.openid(CLIENT)
    claims = openid.decode_token(
        tokens["access_token"],
        key=devidp.jwks(),
        algs=["RS256"],
        check_claims={"iss": devidp.issuer, "aud": "ttdn-api", "exp": None},
    )
    assert claims["azp"] == CLIENT and claims["preferred_username"] == "dept.cb"
    assert claims["acr"] == "1" and claims["auth_time"] <= claims["iat"]
    assert claims["jti"].startswith("onrtac:")
    assert claims["allowed-origins"] == ["http://localhost:8000", "http://127.0.0.1:8000"]
    id_claims = openid.decode_token(tokens["id_token"], key=devidp.jwks(), algs=["RS256"])
    assert id_claims["nonce"] == "n-0S6_WzA2Mj" and id_claims["aud"] == CLIENT
    assert tokens["session_state"] == params["session_state"]


def test_second_authorize_is_single_sign_on(devidp, browser: Browser) -> None:
    browser.login()
    code = code_from(browser.authorize(), browser.state)  # straight back to the client, no form
    tokens = browser.exchange(code).json()
    claims = devidp.openid(CLIENT).decode_token(tokens["access_token"], key=devidp.jwks(), algs=["RS256"])
    assert claims["preferred_username"] == "dept.cb"
    assert claims["acr"] == "0"  # Keycloak's acr for a login that re-used the SSO session


def test_wrong_password_shows_the_form_again(browser: Browser) -> None:
    page = browser.authorize()
    retry = browser.submit(page, "dept.cb", "wrong")
    assert retry.status_code == 200
    assert "Invalid username or password" in retry.text and 'value="dept.cb"' in retry.text
    assert code_from(browser.submit(retry, "dept.cb", PASSWORD), browser.state)


def test_bad_pkce_verifier(browser: Browser) -> None:
    response = browser.exchange(browser.login(), code_verifier=secrets.token_urlsafe(48))
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "PKCE verification failed: Code mismatch"}


def test_replayed_code_is_refused_and_revokes(browser: Browser) -> None:
    code = browser.login()
    tokens = browser.exchange(code).json()
    replay = browser.exchange(code)
    assert replay.status_code == 400
    assert replay.json() == {"error": "invalid_grant", "error_description": "Code not valid"}
    refresh = requests.post(
        browser.devidp.endpoint("token"),
        timeout=5,
        data={"grant_type": "refresh_token", "client_id": CLIENT, "refresh_token": tokens["refresh_token"]},
    )
    assert refresh.status_code == 400
    assert refresh.json()["error"] == "invalid_grant"


def test_expired_code(start_devidp_instance) -> None:
    devidp = start_devidp_instance({"DEVIDP_CODE_LIFESPAN": "1"})
    browser = Browser(devidp)
    code = browser.login()
    time.sleep(1.2)
    response = browser.exchange(code)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "Code not valid"}


def test_redirect_uri_must_match_at_the_token_endpoint(browser: Browser) -> None:
    response = browser.exchange(browser.login(), redirect_uri="http://localhost:8000/elsewhere")
    assert response.json() == {"error": "invalid_grant", "error_description": "Incorrect redirect_uri"}


def test_pkce_is_required_for_the_web_client(browser: Browser) -> None:
    params = redirect_params(browser.authorize(code_challenge=None, code_challenge_method=None))
    assert params["error"] == "invalid_request"
    assert params["error_description"] == "Missing parameter: code_challenge_method"
    params = redirect_params(browser.authorize(code_challenge_method="plain"))
    assert params["error"] == "invalid_request"


def test_unregistered_redirect_uri_is_never_followed(browser: Browser) -> None:
    response = browser.authorize(redirect_uri="https://evil.example/callback")
    assert response.status_code == 400 and "Location" not in response.headers
    assert "Invalid parameter: redirect_uri" in response.text


def test_unknown_client_and_bad_response_type(browser: Browser) -> None:
    assert browser.authorize(client_id="nope").status_code == 400
    params = redirect_params(browser.authorize(response_type="token"))
    assert params["error"] == "unsupported_response_type"


def test_prompt_none_without_a_session(browser: Browser) -> None:
    params = redirect_params(browser.authorize(prompt="none"))
    assert params == {"error": "login_required", "state": browser.state, "iss": browser.devidp.issuer}


def test_logout_with_redirect_ends_the_browser_session(devidp, browser: Browser) -> None:
    tokens = browser.exchange(browser.login()).json()
    response = browser.http.get(
        devidp.endpoint("logout"),
        allow_redirects=False,
        timeout=5,
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "http://localhost:8000/",
            "state": "bye",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "http://localhost:8000/?state=bye"
    assert browser.authorize().status_code == 200  # the login form again: no SSO session left
    refresh = requests.post(
        devidp.endpoint("token"),
        timeout=5,
        data={"grant_type": "refresh_token", "client_id": CLIENT, "refresh_token": tokens["refresh_token"]},
    )
    assert refresh.json() == {"error": "invalid_grant", "error_description": "Session not active"}


def test_logout_refuses_an_unregistered_redirect(devidp) -> None:
    response = requests.get(
        devidp.endpoint("logout"),
        allow_redirects=False,
        timeout=5,
        params={"client_id": CLIENT, "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert response.status_code == 400


def test_token_endpoint_cors(devidp) -> None:
    form = {"grant_type": "authorization_code", "client_id": CLIENT, "code": "x"}
    allowed = requests.post(devidp.endpoint("token"), data=form, headers={"Origin": "http://localhost:8000"}, timeout=5)
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
    foreign = requests.post(devidp.endpoint("token"), data=form, headers={"Origin": "https://evil.example"}, timeout=5)
    assert "Access-Control-Allow-Origin" not in foreign.headers
