"""The heartbeat that the exec probes of relays, consumers and the scheduler read."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from servicekit import heartbeat
from servicekit.heartbeat import Heartbeat, HeartbeatStop, age_seconds
from servicekit.process import stop_on_signals


def test_asking_the_stop_event_beats(tmp_path: Path) -> None:
    beat_file = tmp_path / "heartbeat"
    stop = HeartbeatStop(Heartbeat(beat_file, min_interval=0))
    assert age_seconds(beat_file) is None
    assert stop.is_set() is False
    assert age_seconds(beat_file) is not None
    stop.set()
    assert stop.is_set() is True


def test_beats_are_rate_limited(tmp_path: Path) -> None:
    beat_file = tmp_path / "heartbeat"
    pulse = Heartbeat(beat_file, min_interval=60)
    pulse.beat()
    os.utime(beat_file, (time.time() - 30, time.time() - 30))
    pulse.beat()  # within the interval: the file is not touched again
    assert age_seconds(beat_file) == pytest.approx(30, abs=2)


def test_a_long_wait_keeps_beating_and_still_ends_on_set(tmp_path: Path) -> None:
    beat_file = tmp_path / "heartbeat"
    stop = HeartbeatStop(Heartbeat(beat_file, min_interval=0), wait_slice=0.02)
    started = time.monotonic()
    assert stop.wait(0.2) is False
    assert time.monotonic() - started >= 0.2
    os.utime(beat_file, (0, 0))
    threading.Timer(0.1, stop.set).start()
    assert stop.wait(30) is True  # an untimed-out wait still wakes on SIGTERM's set()
    assert age_seconds(beat_file) < 5  # and beat while it waited


def test_a_stale_file_from_the_previous_run_is_removed(tmp_path: Path) -> None:
    beat_file = tmp_path / "heartbeat"
    beat_file.touch()
    Heartbeat(beat_file)
    assert not beat_file.exists()
    assert heartbeat.main([str(beat_file)]) == 1  # not alive until the new loop turns


def test_probe_accepts_a_fresh_beat_and_refuses_an_old_one(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    beat_file = tmp_path / "heartbeat"
    Heartbeat(beat_file).beat()
    assert heartbeat.main([str(beat_file), "--max-age", "60"]) == 0
    os.utime(beat_file, (time.time() - 300, time.time() - 300))
    assert heartbeat.main([str(beat_file), "--max-age", "60"]) == 1
    assert "300 s ago" in capsys.readouterr().err


def test_probe_reads_the_file_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    beat_file = tmp_path / "heartbeat"
    monkeypatch.setenv("HEARTBEAT_FILE", str(beat_file))
    stop = stop_on_signals()
    assert heartbeat.main([]) == 1
    stop.is_set()
    assert heartbeat.main([]) == 0
    monkeypatch.delenv("HEARTBEAT_FILE")
    assert heartbeat.main([]) == 2


def test_without_the_variable_the_stop_event_is_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEARTBEAT_FILE", raising=False)
    stop = stop_on_signals()
    assert isinstance(stop, HeartbeatStop) and stop.heartbeat is None
    assert stop.wait(0.01) is False
