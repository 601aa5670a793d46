"""Start a real devidp process from tests: ``start_devidp(port, key_file) -> (process, base_url)``.

::

    from devidp.testing import free_port, start_devidp

    process, base_url = start_devidp(free_port(), tmp_path / "devidp-keys.json")
    try:
        ...  # KeycloakOpenID(server_url=base_url, realm_name="ttdn", client_id="ttdn-cli")
    finally:
        process.stop()

The process runs ``sys.executable -m devidp`` on 127.0.0.1 and writes its log next to
the key file (``<key_file>.log``), which is where to look when a test fails.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

STARTUP_TIMEOUT = 15.0


class DevIdpProcess(subprocess.Popen[bytes]):
    """A running devidp; ``stop()`` ends it (SIGTERM, then SIGKILL after a grace period)."""

    base_url: str
    log_file: Path

    def stop(self, timeout: float = 5.0) -> None:
        if self.poll() is None:
            self.terminate()
            try:
                self.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                self.wait(timeout)

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace") if self.log_file.exists() else ""


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


_HANDED_OUT: set[int] = set()


def _port_range() -> tuple[int, int]:
    """The ports this process may hand out: the 12,000 below the ephemeral range, or, in a
    test run split over processes (pytest-xdist sets ``PYTEST_XDIST_WORKER=gwN`` and
    ``PYTEST_XDIST_WORKER_COUNT``), this worker's own slice of them, so two workers never
    promise one port to two servers (each remembers only its own promises)."""
    low, _ = _ephemeral_range()
    first, last = max(1024, low - 12000), low - 1
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if worker.startswith("gw") and worker[2:].isdigit() and count.isdigit() and int(count) > 1:
        size = (last - first + 1) // int(count)
        first += int(worker[2:]) % int(count) * size
        last = first + size - 1
    return first, last


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago, for a server started next.

    Chosen below the kernel's ephemeral range: a port the kernel hands out for
    ``bind(0)`` is also the kind it gives outgoing connections (to PostgreSQL,
    RabbitMQ, one service to another), and one of those took a port between our
    probe and the server's own bind often enough to fail a whole end-to-end run.
    Under pytest-xdist each worker draws from a slice of its own (``_port_range``).
    """
    first, last = _port_range()
    for _ in range(200):
        port = random.randint(first, last)
        if port in _HANDED_OUT:  # free now, but promised to a server that has not bound it yet
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            _HANDED_OUT.add(port)
            return port
    raise RuntimeError("no free port below the ephemeral range")


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/health/ready", timeout=1) as response:  # noqa: S310 - loopback
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_devidp(
    port: int, key_file: str | os.PathLike[str], env: Mapping[str, str] | None = None, timeout: float = STARTUP_TIMEOUT
) -> tuple[DevIdpProcess, str]:
    """Start ``python -m devidp`` on 127.0.0.1:``port`` and wait until it answers /health.

    ``env`` adds to (or overrides) the DEVIDP_* settings, e.g.
    ``{"DEVIDP_CODE_LIFESPAN": "1"}`` or ``{"DEVIDP_REALM_FILE": ...}``.
    Returns the process (with ``stop()``) and its base URL, e.g. ``http://127.0.0.1:18080``.
    """
    key_file = Path(key_file)
    base_url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "DEVIDP_HOST": "127.0.0.1",
        "DEVIDP_PORT": str(port),
        "DEVIDP_KEY_FILE": str(key_file),
        "DEVIDP_ISSUER_BASE": base_url,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    log_file = key_file.with_name(key_file.name + ".log")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = DevIdpProcess(
            [sys.executable, "-m", "devidp"],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    process.base_url = base_url
    process.log_file = log_file
    deadline = time.monotonic() + timeout
    while not _healthy(base_url):
        if process.poll() is not None:
            raise RuntimeError(f"devidp exited with {process.returncode}:\n{process.log()}")
        if time.monotonic() > deadline:
            process.stop()
            raise RuntimeError(f"devidp did not answer {base_url}/health within {timeout}s:\n{process.log()}")
        time.sleep(0.05)
    return process, base_url


@contextmanager
def running_devidp(
    port: int | None = None, key_file: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> Iterator[tuple[DevIdpProcess, str]]:
    """``start_devidp`` as a context manager; a temporary key file unless one is given."""
    with tempfile.TemporaryDirectory(prefix="devidp-") as tmp:
        process, base_url = start_devidp(port or free_port(), key_file or Path(tmp) / "keys.json", env)
        try:
            yield process, base_url
        finally:
            process.stop()
