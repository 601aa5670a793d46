"""The per-worker rate-limit store (no I/O): counts like limits' memory storage, without a thread per hit."""

from __future__ import annotations

import threading
import time

from gateway.limits import SweptMemoryStorage, storage_uri_for
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter


def test_memory_uris_get_the_swept_store_and_shared_stores_stay_as_configured() -> None:
    assert isinstance(storage_from_string(storage_uri_for("memory://")), SweptMemoryStorage)
    assert storage_uri_for("redis://127.0.0.1:6379/15") == "redis://127.0.0.1:6379/15"


def test_hits_count_per_key_and_start_no_thread() -> None:
    storage = SweptMemoryStorage()
    limiter = FixedWindowRateLimiter(storage)
    limit = parse("3/minute")
    time.sleep(0.05)  # the storage's own first sweep, started when it was made, is over
    threads = threading.active_count()

    allowed = [limiter.hit(limit, "sub:drafter.cb") for _ in range(4)]

    assert allowed == [True, True, True, False]
    assert limiter.hit(limit, "sub:drafter.ls")
    assert all(limiter.hit(parse("1000/minute"), "sub:busy") for _ in range(500))
    assert threading.active_count() == threads


def test_expired_counters_are_swept_by_a_later_hit() -> None:
    storage = SweptMemoryStorage()
    storage.sweep_seconds = 0.0
    storage.incr("addr:10.0.0.1", 0.01)
    time.sleep(0.02)

    storage.incr("addr:10.0.0.2", 60)

    assert "addr:10.0.0.1" not in storage.storage
    assert storage.get("addr:10.0.0.2") == 1
