"""Brute-force detection and refresh-token rotation: the realm file (which the real
Keycloak imports) turns them on, and the development identity provider applies exactly
the realm's numbers, with Keycloak's arithmetic."""

from __future__ import annotations

import json

import pytest
from devidp.bruteforce import REALM_KEYS, BruteForcePolicy, BruteForceProtector
from devidp.realm import DEFAULT_REALM_FILE, load_realm
from devidp.sessions import ClientSession, SessionStore


@pytest.fixture(scope="module")
def export() -> dict:
    return json.loads(DEFAULT_REALM_FILE.read_text(encoding="utf-8"))


class Clock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_the_realm_locks_out_temporarily_with_a_growing_wait_and_rotates_refresh_tokens(export: dict) -> None:
    # Every brute-force setting is written out: nothing rests on a default that could change.
    assert set(REALM_KEYS) <= set(export)
    assert export["bruteForceProtected"] is True
    assert export["permanentLockout"] is False  # a temporary lockout, never a disabled account
    assert export["bruteForceStrategy"] == "MULTIPLE" and export["waitIncrementSeconds"] > 0
    assert export["failureFactor"] <= 10 and export["maxFailureWaitSeconds"] >= 15 * 60
    assert export["revokeRefreshToken"] is True and export["refreshTokenMaxReuse"] == 0


def test_the_development_identity_provider_reads_the_same_settings(export: dict) -> None:
    realm = load_realm(DEFAULT_REALM_FILE)
    policy = realm.brute_force
    assert policy == BruteForcePolicy.from_realm(export)
    assert (
        policy.enabled,
        policy.permanent_lockout,
        policy.max_temporary_lockouts,
        policy.strategy,
        policy.failure_factor,
        policy.wait_increment_seconds,
        policy.quick_login_check_milliseconds,
        policy.minimum_quick_login_wait_seconds,
        policy.max_failure_wait_seconds,
        policy.max_delta_time_seconds,
    ) == tuple(export[key] for key in REALM_KEYS)
    assert realm.revoke_refresh_token is True and realm.refresh_token_max_reuse == export["refreshTokenMaxReuse"]
    assert (
        realm.access_token_lifespan,
        realm.sso_session_idle_timeout,
        realm.sso_session_max_lifespan,
        realm.access_code_lifespan,
    ) == (
        export["accessTokenLifespan"],
        export["ssoSessionIdleTimeout"],
        export["ssoSessionMaxLifespan"],
        export["accessCodeLifespan"],
    )


def test_the_realms_numbers_lock_an_account_for_longer_each_time_up_to_the_cap(export: dict) -> None:
    clock = Clock()
    policy = load_realm(DEFAULT_REALM_FILE).brute_force
    guard = BruteForceProtector(policy, clock)
    spacing = policy.quick_login_check_milliseconds / 1000 + 0.5  # slower than a script, so no quick-login rule

    for _ in range(policy.failure_factor - 1):
        guard.failure("u1", "198.51.100.7")
        clock.advance(spacing)
        assert not guard.is_locked("u1")  # a few mistakes cost nothing
    waits = {}
    for failures in range(policy.failure_factor, 4 * policy.failure_factor + 1):
        guard.failure("u1", "198.51.100.7")  # once locked, each further failure locks again
        locked_at = clock.now
        while guard.is_locked("u1"):
            clock.advance(1)
        waits[failures] = round(clock.now - locked_at)
    increment = policy.wait_increment_seconds
    # MULTIPLE: the wait grows by one increment with each whole failureFactor failed.
    assert waits[policy.failure_factor] == increment
    assert waits[2 * policy.failure_factor] == 2 * increment
    assert waits[4 * policy.failure_factor] == min(4 * increment, policy.max_failure_wait_seconds)
    assert list(waits.values()) == sorted(waits.values())
    assert guard.status("u1")["numFailures"] == 4 * policy.failure_factor

    for _ in range(200):  # however long the siege, never more than the cap, never disabled for good
        guard.failure("u1", "198.51.100.7")
        clock.advance(spacing)
    assert guard.is_locked("u1")
    clock.advance(policy.max_failure_wait_seconds + 1)
    assert not guard.is_locked("u1")


def test_two_failures_in_quick_succession_lock_at_once_and_success_forgets() -> None:
    clock = Clock()
    policy = load_realm(DEFAULT_REALM_FILE).brute_force
    guard = BruteForceProtector(policy, clock)
    guard.failure("u2", "198.51.100.7")
    assert not guard.is_locked("u2")
    clock.advance(policy.quick_login_check_milliseconds / 1000 / 2)
    guard.failure("u2", "198.51.100.7")
    assert guard.is_locked("u2") and guard.status("u2")["disabled"] is True
    assert not guard.is_locked("someone-else")
    clock.advance(policy.minimum_quick_login_wait_seconds + 1)
    assert not guard.is_locked("u2")
    guard.success("u2")
    assert guard.status("u2")["numFailures"] == 0


def test_failures_older_than_the_reset_time_are_forgotten() -> None:
    clock = Clock()
    policy = load_realm(DEFAULT_REALM_FILE).brute_force
    guard = BruteForceProtector(policy, clock)
    for _ in range(policy.failure_factor - 1):
        guard.failure("u3", None)
        clock.advance(2)
    clock.advance(policy.max_delta_time_seconds + 1)
    guard.failure("u3", None)
    assert guard.status("u3")["numFailures"] == 1 and not guard.is_locked("u3")


def test_permanent_lockout_and_linear_strategy_follow_keycloak() -> None:
    clock = Clock()
    permanent = BruteForceProtector(BruteForcePolicy(enabled=True, permanent_lockout=True, failure_factor=3), clock)
    for _ in range(3):
        permanent.failure("u4", None)
        clock.advance(5)
    clock.advance(10_000)
    assert permanent.is_locked("u4")  # disabled until an administrator clears it
    permanent.clear("u4")
    assert not permanent.is_locked("u4")

    linear = BruteForceProtector(
        BruteForcePolicy(enabled=True, strategy="LINEAR", failure_factor=2, wait_increment_seconds=10), clock
    )
    linear.failure("u5", None)
    clock.advance(5)
    linear.failure("u5", None)  # 1 + 2 - 2 = one increment
    assert linear.is_locked("u5")
    clock.advance(11)
    assert not linear.is_locked("u5")
    linear.failure("u5", None)  # 1 + 3 - 2 = two increments
    clock.advance(11)
    assert linear.is_locked("u5")

    off = BruteForceProtector(BruteForcePolicy(enabled=False), clock)
    for _ in range(100):
        off.failure("u6", None)
    assert not off.is_locked("u6")


def test_a_refresh_token_is_used_once_and_a_replay_is_told_apart_from_a_stale_one() -> None:
    store = SessionStore(idle_timeout=1800, max_lifespan=36000, code_lifespan=60)
    session = store.create_session("u7", browser=False)
    store.attach_client(session.id, ClientSession(client_id="ttdn-web", scope="openid", acr="1"))
    assert store.refresh_token_problem(session.id, "ttdn-web", None, "rt-1", True) is None  # from the login
    assert store.refresh_token_problem(session.id, "ttdn-web", "rt-1", "rt-2", True) is None
    assert store.refresh_token_problem(session.id, "ttdn-web", "rt-1", "rt-x", True) == (
        "Maximum allowed refresh token reuse exceeded"
    )
    assert store.refresh_token_problem(session.id, "ttdn-web", "rt-2", "rt-3", True) is None
    assert store.refresh_token_problem(session.id, "ttdn-web", "rt-1", "rt-y", True) == "Stale token"
    # refreshTokenMaxReuse 1: a token may be used twice.
    assert store.refresh_token_problem(session.id, "ttdn-web", "rt-3", "rt-4", True, max_reuse=1) is None
    assert store.refresh_token_problem(session.id, "ttdn-web", "rt-3", "rt-5", True, max_reuse=1) is None
    assert store.refresh_token_problem(session.id, "ttdn-web", "rt-3", "rt-6", True, max_reuse=1) is not None
