"""Sessions and codes: lifetimes, single use, and what a replay revokes."""

import pytest
from devidp.sessions import AuthorizationCode, AuthorizationRequest, ClientSession, CodeProblem, SessionStore


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> SessionStore:
    return SessionStore(idle_timeout=1800, max_lifespan=36000, code_lifespan=60, clock=clock)


def auth_request(clock: Clock) -> AuthorizationRequest:
    return AuthorizationRequest(
        tab_id="tab",
        client_id="ttdn-web",
        redirect_uri="http://localhost:8000/cb",
        response_mode="query",
        scope="openid",
        state="s",
        nonce=None,
        code_challenge="c" * 43,
        code_challenge_method="S256",
        created=clock(),
    )


def test_code_is_single_use_and_a_replay_detaches_the_client(store: SessionStore, clock: Clock) -> None:
    session = store.create_session("user-1", browser=True)
    store.attach_client(session.id, ClientSession(client_id="ttdn-web", scope="openid", acr="1"))
    code = store.issue_code(auth_request(clock), session.id)
    first = store.redeem_code(code)
    assert isinstance(first, AuthorizationCode) and first.session_id == session.id
    assert store.redeem_code(code) is CodeProblem.REPLAYED
    assert "ttdn-web" not in store.session(session.id).clients


def test_code_expires(store: SessionStore, clock: Clock) -> None:
    session = store.create_session("user-1", browser=True)
    code = store.issue_code(auth_request(clock), session.id)
    clock.now += 61
    assert store.redeem_code(code) is CodeProblem.EXPIRED
    assert store.redeem_code("no-such-code") is CodeProblem.UNKNOWN


def test_idle_and_max_lifespan(store: SessionStore, clock: Clock) -> None:
    session = store.create_session("user-1", browser=False)
    clock.now += 1700
    store.touch(session.id)
    clock.now += 1700
    assert store.session(session.id) is not None
    assert store.refresh_expires_at(session) == int(clock.now + 100)
    clock.now += 1801
    assert store.session(session.id) is None


def test_sso_cookie_finds_the_session_until_it_ends(store: SessionStore) -> None:
    session = store.create_session("user-1", browser=True)
    assert store.session_for_cookie(session.cookie) is session
    store.end_session(session.id)
    assert store.session_for_cookie(session.cookie) is None


def test_revoked_refresh_tokens(store: SessionStore) -> None:
    session = store.create_session("user-1", browser=False)
    store.attach_client(session.id, ClientSession(client_id="ttdn-cli", scope="openid", acr="1"))
    assert store.use_refresh_token(session.id, "ttdn-cli", None, "rt-1", revoke_on_use=True)
    assert store.use_refresh_token(session.id, "ttdn-cli", "rt-1", "rt-2", revoke_on_use=True)
    assert not store.use_refresh_token(session.id, "ttdn-cli", "rt-1", "rt-3", revoke_on_use=True)
    # Keycloak's default (revokeRefreshToken false) accepts any live refresh token.
    assert store.use_refresh_token(session.id, "ttdn-cli", "rt-1", "rt-4", revoke_on_use=False)
