"""Guessing passwords and replaying refresh tokens against the real devidp process, with
the realm file's own settings. The lockout tests use accounts of their own, added to a
copy of the realm, so that no demo user another test signs in as is ever locked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from devidp.realm import DEFAULT_REALM_FILE
from devidp.testing import free_port, start_devidp

from tests.integration.devidp.conftest import PASSWORD, DevIdp
from tests.integration.devidp.test_devidp_browser_login import Browser, code_from

INVALID_CREDENTIALS = {"error": "invalid_grant", "error_description": "Invalid user credentials"}
GUESSERS_TARGETS = ("khoa.token", "khoa.form", "khoa.other")


def locked_out_user(username: str) -> dict:
    return {
        "username": username,
        "enabled": True,
        "email": f"{username}@cb.ttdn.example",
        "emailVerified": True,
        "firstName": "Văn Khoa",
        "lastName": "Lục",
        "attributes": {"org_unit": ["svhttdl-cao-bang"], "province": ["ubnd-cao-bang"], "locale": ["vi"]},
        "credentials": [{"type": "password", "value": PASSWORD, "temporary": False}],
        "realmRoles": ["default-roles-ttdn", "drafter"],
    }


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevIdp]:
    """A devidp serving the realm file plus three accounts that only these tests use."""
    directory = tmp_path_factory.mktemp("devidp-brute-force")
    realm = json.loads(DEFAULT_REALM_FILE.read_text(encoding="utf-8"))
    realm["users"] += [locked_out_user(name) for name in GUESSERS_TARGETS]
    realm_file = directory / "realm-ttdn.json"
    realm_file.write_text(json.dumps(realm, ensure_ascii=False), encoding="utf-8")
    key_file = directory / "keys.json"
    process, base_url = start_devidp(free_port(), key_file, {"DEVIDP_REALM_FILE": str(realm_file)})
    yield DevIdp(process, base_url, Path(key_file))
    process.stop()


def password_grant(devidp: DevIdp, username: str, password: str) -> requests.Response:
    return devidp.token_request(grant_type="password", client_id="ttdn-cli", username=username, password=password)


def brute_force_status(devidp: DevIdp, username: str) -> dict:
    admin = devidp.admin()
    return admin.connection.raw_get(
        f"admin/realms/ttdn/attack-detection/brute-force/users/{admin.get_user_id(username)}"
    ).json()


def test_guessing_at_the_token_endpoint_locks_the_account_and_then_the_right_password_fails_too(
    guarded: DevIdp,
) -> None:
    for _ in range(30):  # a script: many guesses in quick succession
        wrong = password_grant(guarded, "khoa.token", "matkhau123")
        assert (wrong.status_code, wrong.json()) == (401, INVALID_CREDENTIALS)
    right = password_grant(guarded, "khoa.token", PASSWORD)
    assert (right.status_code, right.json()) == (401, INVALID_CREDENTIALS)  # nothing tells a lockout apart
    status = brute_force_status(guarded, "khoa.token")
    assert status["disabled"] is True
    assert status["numFailures"] == 2  # guesses while locked out are refused unread
    assert password_grant(guarded, "khoa.other", PASSWORD).status_code == 200  # other accounts are untouched


def test_guessing_at_the_login_form_locks_the_account(guarded: DevIdp) -> None:
    browser = Browser(guarded)
    page = browser.authorize()
    for _ in range(10):
        page = browser.submit(page, "khoa.form", "matkhau123")
        assert page.status_code == 200 and "Invalid username or password" in page.text
    refused = browser.submit(page, "khoa.form", PASSWORD)
    assert refused.status_code == 200 and "Invalid username or password" in refused.text  # the form again, no code
    assert brute_force_status(guarded, "khoa.form")["disabled"] is True
    other = Browser(guarded)
    assert code_from(other.submit(other.authorize(), "khoa.other", PASSWORD), other.state)


def test_a_refresh_token_is_good_for_one_use_and_a_replay_ends_the_login(guarded: DevIdp) -> None:
    first = password_grant(guarded, "khoa.other", PASSWORD).json()

    def refresh(token: str) -> requests.Response:
        return guarded.token_request(grant_type="refresh_token", client_id="ttdn-cli", refresh_token=token)

    rotated = refresh(first["refresh_token"])
    assert rotated.status_code == 200 and rotated.json()["refresh_token"] != first["refresh_token"]
    replay = refresh(first["refresh_token"])
    assert (replay.status_code, replay.json()["error_description"]) == (
        400,
        "Maximum allowed refresh token reuse exceeded",
    )
    # Whoever replayed it may have stolen it: the rotated token stops working as well.
    after = refresh(rotated.json()["refresh_token"])
    assert (after.status_code, after.json()["error_description"]) == (400, "Session doesn't have required client")


def test_the_identity_provider_does_not_announce_its_software(guarded: DevIdp) -> None:
    for answer in (
        requests.get(f"{guarded.issuer}/.well-known/openid-configuration", timeout=5),
        password_grant(guarded, "nobody", "x"),
        requests.get(f"{guarded.base_url}/no-such-page", timeout=5),
    ):
        assert "Server" not in answer.headers, answer.headers.get("Server")
