"""The exec probe of infra/k8s on a real process: the approvals scheduler, started as the
Kubernetes Deployment starts it, proves its loop alive through HEARTBEAT_FILE; frozen, it
fails the probe; thawed, it passes again; SIGTERM ends it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
APPROVALS = str(Path(sys.executable).with_name("ttdn-approvals"))


def probe(heartbeat_file: Path, max_age: float) -> int:
    command = [sys.executable, "-m", "servicekit.heartbeat", str(heartbeat_file), "--max-age", str(max_age)]
    return subprocess.run(command, capture_output=True, timeout=30, check=False).returncode


def wait_for(condition, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_the_scheduler_beats_while_it_turns_and_stops_beating_when_frozen(tmp_path: Path) -> None:
    heartbeat_file = tmp_path / "heartbeat"
    heartbeat_file.touch()  # an old beat, left by a previous run of the container
    os.utime(heartbeat_file, (time.time() - 3600, time.time() - 3600))
    environment = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'approvals.db'}",
        HEARTBEAT_FILE=str(heartbeat_file),
        SCHEDULER_INTERVAL_SECONDS="30",  # a long wait between passes must still beat
        LOG_FORMAT="text",
    )
    subprocess.run([APPROVALS, "migrate"], env=environment, cwd=ROOT, check=True, capture_output=True)
    scheduler = subprocess.Popen([APPROVALS, "scheduler"], env=environment, cwd=ROOT)
    try:
        assert wait_for(lambda: heartbeat_file.exists() and probe(heartbeat_file, 3) == 0), "no heartbeat"
        scheduler.send_signal(signal.SIGSTOP)  # a loop stuck in a call that never returns
        assert wait_for(lambda: probe(heartbeat_file, 3) == 1, timeout=20), "a frozen loop still looks alive"
        scheduler.send_signal(signal.SIGCONT)
        assert wait_for(lambda: probe(heartbeat_file, 3) == 0), "a thawed loop does not beat again"
        scheduler.send_signal(signal.SIGTERM)
        assert scheduler.wait(timeout=20) == 0
    finally:
        if scheduler.poll() is None:
            scheduler.send_signal(signal.SIGCONT)
            scheduler.kill()
            scheduler.wait()
