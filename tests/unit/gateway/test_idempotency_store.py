"""The idempotency store's rules, on an in-memory SQLite database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from gateway.idempotency import IdempotencyRecord, IdempotencyStore, StoredAnswer, fingerprint, validate_key
from servicekit.db import Database
from servicekit.problems import Problem

CALLER = "5b1f8c1e-0000-4000-8000-000000000001"
BODY = '{"decision": "approve", "comment": "Đồng ý ban hành kế hoạch"}'.encode()
PATH = "/approvals/tasks/t-1/decision?"


@pytest.fixture
def store() -> IdempotencyStore:
    store = IdempotencyStore(Database("sqlite://"), ttl_seconds=3600, lock_seconds=30)
    store.create_schema()
    return store


def claim(store: IdempotencyStore, key: str = "k-1", *, path: str = PATH, body: bytes = BODY, caller: str = CALLER):
    return store.claim(caller, key, "POST", path, fingerprint(body))


def test_the_first_request_goes_ahead_and_its_answer_is_replayed(store: IdempotencyStore) -> None:
    assert claim(store) is None
    store.complete(
        CALLER, "k-1", StoredAnswer(200, [("Content-Type", "application/json"), ("X-Other", "dropped")], b'{"ok":1}')
    )

    replay = claim(store)

    assert replay == StoredAnswer(200, [("Content-Type", "application/json")], b'{"ok":1}')


def test_a_duplicate_in_flight_is_409(store: IdempotencyStore) -> None:
    claim(store)
    with pytest.raises(Problem) as refused:
        claim(store)
    assert refused.value.status == 409 and refused.value.headers["Retry-After"] == "1"


@pytest.mark.parametrize("change", [{"body": b'{"decision": "reject"}'}, {"path": "/approvals/tasks/t-2/decision?"}])
def test_the_same_key_for_another_request_is_422(store: IdempotencyStore, change: dict) -> None:
    claim(store)
    store.complete(CALLER, "k-1", StoredAnswer(200, [], b"{}"))
    with pytest.raises(Problem) as refused:
        claim(store, **change)
    assert refused.value.status == 422 and refused.value.slug == "idempotency-key-reused"


def test_server_errors_are_not_kept_so_a_retry_can_succeed(store: IdempotencyStore) -> None:
    claim(store)
    store.complete(CALLER, "k-1", StoredAnswer(503, [], b"{}"))
    assert claim(store) is None


def test_client_errors_are_kept(store: IdempotencyStore) -> None:
    claim(store)
    store.complete(CALLER, "k-1", StoredAnswer(409, [], b'{"title":"Task already decided"}'))
    assert claim(store).status == 409


def test_keys_are_per_caller(store: IdempotencyStore) -> None:
    claim(store)
    assert claim(store, caller="service-account-ttdn-integrator-dashboard") is None


def test_expired_records_and_abandoned_claims_free_the_key(store: IdempotencyStore) -> None:
    claim(store, "expired")
    store.complete(CALLER, "expired", StoredAnswer(201, [], b"{}"))
    claim(store, "abandoned")
    with store.database.transaction() as session:
        expired = session.get(IdempotencyRecord, (CALLER, "expired"))
        expired.expires_at -= timedelta(hours=2)
        abandoned = session.get(IdempotencyRecord, (CALLER, "abandoned"))
        abandoned.created_at -= timedelta(minutes=5)

    assert claim(store, "expired") is None
    assert claim(store, "abandoned") is None


def test_purge_removes_only_expired_records(store: IdempotencyStore) -> None:
    for key in ("a", "b"):
        claim(store, key)
        store.complete(CALLER, key, StoredAnswer(201, [], b"{}"))
    with store.database.transaction() as session:
        session.get(IdempotencyRecord, (CALLER, "a")).expires_at -= timedelta(hours=2)

    assert store.purge_expired() == 1
    assert claim(store, "b").status == 201


@pytest.mark.parametrize("key", ["", "khóa-có-dấu", "a b", "x" * 256])
def test_malformed_keys_are_400(key: str) -> None:
    with pytest.raises(Problem) as refused:
        validate_key(key)
    assert refused.value.status == 400


def test_a_uuid_is_a_valid_key() -> None:
    assert validate_key("0b6c5a52-6f55-4a5e-9e1e-3c1f6c2f2f10")
