"""Brute-force detection as Keycloak does it, from the realm's own settings.

Keycloak counts a user's failed logins (password grant and login form alike); a
lockout starts once they reach ``failureFactor`` and, with the ``MULTIPLE`` strategy,
lasts ``waitIncrementSeconds`` times the number of whole ``failureFactor``s failed so
far (``LINEAR``: one more increment for each failure past the factor), never longer
than ``maxFailureWaitSeconds``.  Two failures closer than ``quickLoginCheckMilliSeconds``
lock the account for ``minimumQuickLoginWaitSeconds`` at once.  Failures older than
``maxDeltaTimeSeconds`` are forgotten, and a successful login forgets them all.
While locked, even the right password is refused, with the same answer as a wrong one;
those attempts are not counted.  ``permanentLockout`` disables the user instead, after
``maxTemporaryLockouts`` temporary ones.  Unknown usernames are not tracked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# The realm representation's keys, with Keycloak's defaults when the export omits them.
REALM_KEYS: Mapping[str, Any] = {
    "bruteForceProtected": False,
    "permanentLockout": False,
    "maxTemporaryLockouts": 0,
    "bruteForceStrategy": "MULTIPLE",
    "failureFactor": 30,
    "waitIncrementSeconds": 60,
    "quickLoginCheckMilliSeconds": 1000,
    "minimumQuickLoginWaitSeconds": 60,
    "maxFailureWaitSeconds": 900,
    "maxDeltaTimeSeconds": 43200,
}


@dataclass(frozen=True)
class BruteForcePolicy:
    enabled: bool = False
    permanent_lockout: bool = False
    max_temporary_lockouts: int = 0
    strategy: str = "MULTIPLE"
    failure_factor: int = 30
    wait_increment_seconds: int = 60
    quick_login_check_milliseconds: int = 1000
    minimum_quick_login_wait_seconds: int = 60
    max_failure_wait_seconds: int = 900
    max_delta_time_seconds: int = 43200

    @classmethod
    def from_realm(cls, rep: Mapping[str, Any]) -> BruteForcePolicy:
        value = {key: rep.get(key, default) for key, default in REALM_KEYS.items()}
        return cls(
            enabled=bool(value["bruteForceProtected"]),
            permanent_lockout=bool(value["permanentLockout"]),
            max_temporary_lockouts=int(value["maxTemporaryLockouts"]),
            strategy=str(value["bruteForceStrategy"]).upper(),
            failure_factor=max(int(value["failureFactor"]), 1),
            wait_increment_seconds=int(value["waitIncrementSeconds"]),
            quick_login_check_milliseconds=int(value["quickLoginCheckMilliSeconds"]),
            minimum_quick_login_wait_seconds=int(value["minimumQuickLoginWaitSeconds"]),
            max_failure_wait_seconds=int(value["maxFailureWaitSeconds"]),
            max_delta_time_seconds=int(value["maxDeltaTimeSeconds"]),
        )

    @property
    def only_permanent(self) -> bool:
        return self.permanent_lockout and self.max_temporary_lockouts == 0


@dataclass
class LoginFailures:
    """Keycloak's UserLoginFailureModel for one user."""

    num_failures: int = 0
    num_temporary_lockouts: int = 0
    last_failure_ms: int = 0
    last_ip_failure: str | None = None
    failed_login_not_before: int = 0


class BruteForceProtector:
    """Thread-safe; one per identity provider process."""

    def __init__(self, policy: BruteForcePolicy, clock: Callable[[], float] = time.time) -> None:
        self.policy = policy
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, LoginFailures] = {}
        self._disabled: set[str] = set()  # users disabled by a permanent lockout

    def is_locked(self, user_id: str) -> bool:
        """Must a login of this user be refused whatever the password?"""
        if not self.policy.enabled:
            return False
        with self._lock:
            if user_id in self._disabled:
                return True
            record = self._failures.get(user_id)
            return record is not None and int(self._clock()) < record.failed_login_not_before

    def failure(self, user_id: str, address: str | None) -> None:
        """Record a wrong password (DefaultBruteForceProtector.failure)."""
        policy = self.policy
        if not policy.enabled:
            return
        with self._lock:
            now_ms = int(self._clock() * 1000)
            record = self._failures.setdefault(user_id, LoginFailures())
            record.last_ip_failure = address
            last = record.last_failure_ms
            delta = now_ms - last if last > 0 else 0
            record.last_failure_ms = now_ms
            if not policy.only_permanent and delta > policy.max_delta_time_seconds * 1000:
                # Keycloak's clearFailures(): the address and time of this failure go too.
                record = self._failures[user_id] = LoginFailures()
            record.num_failures += 1

            wait = 0
            if not policy.only_permanent:
                if policy.strategy == "MULTIPLE":
                    wait = policy.wait_increment_seconds * (record.num_failures // policy.failure_factor)
                else:
                    wait = policy.wait_increment_seconds * (1 + record.num_failures - policy.failure_factor)
            quick = False
            if wait <= 0 and last > 0 and delta < policy.quick_login_check_milliseconds:
                wait = policy.minimum_quick_login_wait_seconds
                quick = True
            if wait > 0:
                if not policy.permanent_lockout or policy.max_temporary_lockouts > 0:
                    wait = min(policy.max_failure_wait_seconds, wait)
                if not quick:
                    record.num_temporary_lockouts += 1
                within_temporary = record.num_temporary_lockouts <= policy.max_temporary_lockouts
                if quick or not policy.permanent_lockout or within_temporary:
                    record.failed_login_not_before = now_ms // 1000 + wait
            if policy.permanent_lockout and (
                record.num_temporary_lockouts > policy.max_temporary_lockouts
                or (policy.max_temporary_lockouts == 0 and record.num_failures >= policy.failure_factor)
            ):
                self._disabled.add(user_id)

    def success(self, user_id: str) -> None:
        with self._lock:
            self._failures.pop(user_id, None)

    def status(self, user_id: str) -> dict[str, Any]:
        """The admin API's brute-force status of a user, as Keycloak 26 words it."""
        with self._lock:
            record = self._failures.get(user_id) or LoginFailures()
            locked = user_id in self._disabled or int(self._clock()) < record.failed_login_not_before
            return {
                "numFailures": record.num_failures,
                "disabled": self.policy.enabled and locked,
                "lastIPFailure": record.last_ip_failure or "n/a",
                "lastFailure": record.last_failure_ms,
            }

    def clear(self, user_id: str) -> None:
        with self._lock:
            self._failures.pop(user_id, None)
            self._disabled.discard(user_id)
