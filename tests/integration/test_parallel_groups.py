"""The groups `make test` spreads over pytest-xdist workers (tests/support/parallel.py), read
from a real collection of the end-to-end tests: the tests of the shared stack form one group,
the modules that start process sets of their own another."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.parallel import kind_rank
from tests.support.stack import ROOT

COLLECT = """
import json, sys
import pytest
from tests.support.parallel import GROUPS_FILE

class Worker:
    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config):
        config.workerinput = {GROUPS_FILE: sys.argv[1]}

sys.exit(pytest.main(["tests/e2e", "--collect-only", "-q", "-p", "no:xdist"], plugins=[Worker()]))
"""


def test_the_shared_stack_is_one_group_and_a_stack_of_its_own_another(tmp_path: Path) -> None:
    groups_file = tmp_path / "gw0.json"
    result = subprocess.run(
        [sys.executable, "-c", COLLECT, str(groups_file)], cwd=ROOT, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    groups: dict[str, str] = json.loads(groups_file.read_text(encoding="utf-8"))

    def group(nodeid_start: str) -> set[str]:
        return {g for nodeid, g in groups.items() if nodeid.startswith(nodeid_start)}

    assert group("tests/e2e/test_scenarios.py") == {"e2e-shared-stack"}  # through `people`, which uses `stack`
    assert group("tests/e2e/test_faults.py") == {"e2e-shared-stack"}
    assert group("tests/e2e/browser/") == {"e2e-shared-stack"}
    # A process set of their own (replicas, a broker cluster, make run): one after another, apart
    # from the shared stack, so no more than two hold PostgreSQL connections at once.
    for module in ("test_every_process_twice.py", "test_broker_node_loss.py", "test_make_run.py"):
        assert group(f"tests/e2e/{module}") == {"e2e-own-stacks"}
    # The file lists the tests in the order the scheduler hands them out: the biggest group first.
    assert next(iter(groups.values())) == "e2e-shared-stack"


def test_groups_are_handed_out_end_to_end_first() -> None:
    ranks = [kind_rank(f"tests/{kind}/x/test_y.py::test_z") for kind in ("e2e", "integration", "unit")]

    assert ranks == sorted(ranks) and len(set(ranks)) == 3
    assert kind_rank("bench/test_x.py::test_y") > ranks[-1]
