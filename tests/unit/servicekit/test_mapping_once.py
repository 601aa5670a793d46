"""The aggregates are mapped once per process, however many threads of a fresh worker
ask at the same moment (a gthread worker's first requests arrive together)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROGRAM = """
import sys, threading
from importlib import import_module
orm = import_module(sys.argv[1])
start = threading.Barrier(16)
failures = []
def map_now():
    start.wait()
    try:
        orm.start_mappers()
    except Exception as error:
        failures.append(repr(error))
threads = [threading.Thread(target=map_now) for _ in range(16)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(failures)
sys.exit(1 if failures else 0)
"""


@pytest.mark.parametrize("module", ["approvals.adapters.orm", "notifications.adapters.orm"])
def test_sixteen_threads_mapping_at_once_all_succeed(module: str) -> None:
    for _ in range(2):  # a fresh process each time: the mapping is per process
        result = subprocess.run(
            [sys.executable, "-c", PROGRAM, module], capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
