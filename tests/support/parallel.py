"""How ``make test`` spreads the suite over pytest-xdist workers (``-n N --dist loadgroup``).

Every test is put in a group, and a group runs whole on one worker, in collection order:

- the tests that use a fixture listed in ``SHARED_FIXTURES`` (the end-to-end suite's one
  running ``stack``) form one group, so that stack is started once, as in a serial run;
- the other end-to-end tests (``tests/e2e``: modules that start a process set of their own,
  with replicas, on a broker cluster, through ``make run``) form a second group and run one
  module after the other: each process set holds up to some 50 PostgreSQL connections, and the
  machine's server allows 100, so at most two run at once (the shared one and one other, as in
  a serial run);
- every other test is grouped with its module, so a module's own fixtures (a devidp, a
  database, a broker vhost) are still set up once.

A test that names its own group (``@pytest.mark.xdist_group("…")``) keeps it. New test files
need nothing: they join a group by the fixtures they use or by their module.

The groups are handed out longest-first by kind (end-to-end, then integration, then unit;
within a kind the groups with more tests first), so the groups that start processes of their
own begin at once, side by side, and the many short groups fill in around them. A worker is
given its next group when it is nearly through its current one (xdist's rule).

How the groups reach the scheduler: xdist's own ``loadgroup`` reads the ``xdist_group`` marks
by appending the group to each test id, which the pytest installed here no longer lets a
plugin do (ids are structured). So each worker writes the group of every test it collected
to a file named in its ``workerinput``, and the scheduler in the controlling process (a
``LoadScopeScheduling`` whose scope is that group) reads it once every worker has collected.

Without ``-n`` none of this changes anything: the marks are ignored and the order is pytest's.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

# Session fixtures that start something costly: every test using one runs on the same worker.
SHARED_FIXTURES = {"stack": "e2e-shared-stack"}
# The other end-to-end tests, one module after another (their process sets never side by side).
OWN_STACKS = ("tests/e2e/", "e2e-own-stacks")
# The order in which kinds of groups are handed out (the first folder under tests/).
KIND_ORDER = ("e2e", "integration", "unit")
GROUPS_FILE = "ttdn_groups_file"


def group_of(item: pytest.Item) -> str:
    marker = item.get_closest_marker("xdist_group")
    if marker is not None:
        return str(marker.args[0] if marker.args else marker.kwargs.get("name", "default"))
    fixtures = getattr(item, "_fixtureinfo", None)
    definitions = fixtures.name2fixturedefs if fixtures is not None else {}
    for name, group in SHARED_FIXTURES.items():
        chain = definitions.get(name)
        # The last definition is the one the test gets: a module that defines its own
        # ``stack`` (a cluster's, a scaled one's) is not the shared one.
        if chain and chain[-1].scope == "session":
            return group
    if item.nodeid.startswith(OWN_STACKS[0]):
        return OWN_STACKS[1]
    return item.nodeid.split("::", 1)[0]


def kind_rank(nodeid: str) -> int:
    parts = nodeid.split("/")
    kind = parts[1] if len(parts) > 1 and parts[0] == "tests" else ""
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def assign_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker: order the tests so that the groups come longest-kind first (the
    scheduler, with --no-loadscope-reorder, hands the groups out in the order their first tests
    were collected; within a group the order stays pytest's), and write down each test's group."""
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is None or GROUPS_FILE not in workerinput:
        return  # not one of make test's workers: pytest's own order
    groups: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        groups.setdefault(group_of(item), []).append(index)
    rank = {
        name: (min(kind_rank(items[i].nodeid) for i in indexes), -len(indexes), indexes[0])
        for name, indexes in groups.items()
    }
    group_by_index = {i: name for name, indexes in groups.items() for i in indexes}
    order = sorted(range(len(items)), key=lambda i: (rank[group_by_index[i]], i))
    items[:] = [items[i] for i in order]
    Path(workerinput[GROUPS_FILE]).write_text(
        json.dumps({items[i].nodeid: group_by_index[order[i]] for i in range(len(items))}), encoding="utf-8"
    )


def configure_worker(node: Any) -> None:
    """Controller side: tell each worker where to write its groups."""
    directory = getattr(node.config, "_ttdn_groups_dir", None)
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="ttdn-xdist-groups-"))
        node.config._ttdn_groups_dir = directory
        node.config.add_cleanup(lambda: shutil.rmtree(directory, ignore_errors=True))
    node.workerinput[GROUPS_FILE] = str(directory / f"{node.gateway.id}.json")


def make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):  # type: ignore[misc]
        """xdist's scope scheduling, the scope being the group each worker wrote down."""

        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                directory = getattr(config, "_ttdn_groups_dir", None)
                files = sorted(Path(directory).glob("*.json")) if directory else []
                self.groups = json.loads(files[0].read_text(encoding="utf-8")) if files else {}
            return self.groups.get(nodeid) or nodeid.split("::", 1)[0]

    return ByGroup(config, log)
