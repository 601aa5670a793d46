"""free_port under pytest-xdist: each worker hands out ports from a slice of its own."""

from __future__ import annotations

import itertools

import pytest
from devidp import testing


def slice_of(monkeypatch: pytest.MonkeyPatch, worker: str | None, count: str | None) -> tuple[int, int]:
    for name, value in (("PYTEST_XDIST_WORKER", worker), ("PYTEST_XDIST_WORKER_COUNT", count)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return testing._port_range()


def test_the_workers_slices_are_disjoint_and_below_the_ephemeral_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(testing, "_ephemeral_range", lambda: (32768, 60999))
    whole = slice_of(monkeypatch, None, None)
    slices = [slice_of(monkeypatch, f"gw{n}", "3") for n in range(3)]

    assert whole == (20768, 32767)
    assert slices == [(20768, 24767), (24768, 28767), (28768, 32767)]
    for (_, last), (first, _) in itertools.pairwise(slices):
        assert last < first


def test_one_worker_or_no_xdist_uses_the_whole_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(testing, "_ephemeral_range", lambda: (32768, 60999))

    assert slice_of(monkeypatch, "gw0", "1") == (20768, 32767)
    assert slice_of(monkeypatch, "master", "3") == (20768, 32767)


def test_free_port_stays_in_the_workers_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw2")
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "4")
    first, last = testing._port_range()

    ports = {testing.free_port() for _ in range(20)}

    assert len(ports) == 20
    assert all(first <= port <= last for port in ports)
