"""Sustained decisions through the gateway (issue 18, points 1, 2 and 6).

Three approvers (one per level of the Cao Bằng chain) approve as fast as a
pool of lean deciders can ask, for a fixed window. A decision counts only when
its effects are done in all three services within the window plus a short
drain: recorded in approvals in the window (its ``approval.decision_recorded``
row in the outbox) and, when the drain ends, in the plans consumer's inbox
(the plan's timeline is written in the same transaction) and in the
notifications consumer's inbox. A backlog that drains later does not count.

The CPU-seconds of the suite's own processes during the window alone
(preparation excluded), divided by the decisions counted, is the CPU per
decision; PostgreSQL, RabbitMQ and the load generator are measured beside it,
not inside it. The same run again with every consumer and relay as two
competing processes shows exactly-once and each document's order holding.

Afterwards the audit waits for every backlog to drain and checks, as before,
that no decision was lost or doubled on its way to the plans timelines and the
notifications; and that every event was handled once by every consumer it is
routed to, and each document's final state in plans is the one approvals
reached (none fell back).

The document renderer stays stopped: issuing a plan queues its signed file
for a process of its own, after the commit, so rendering must not show in the
decision figures (docs: README, Benchmarks).
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import math
import os
import queue
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pika
import psycopg

from bench.profiles import top_frames, where_time_goes
from infra.local.sample_plans import CAO_BANG_2024
from tests.support import audit
from tests.support.journeys import plan_body
from tests.support.stack import Stack, catching_up

# Who decides each level of a Cao Bằng plan (the seed's chain: department, province, ministry).
APPROVERS = {1: "dept.cb", 2: "province.cb", 3: "ministry.1"}
LEVELS = len(APPROVERS)
DRAFTER = "drafter.cb"
DECISION_EVENT = "approval.decision_recorded"
PLANS_CONSUMER = "plans.approval-events"
NOTIFICATIONS_CONSUMER = "notifications.events"
# The processes run twice in the competing run: every consumer and every relay.
COMPETING = ("plans-consumer", "approvals-consumer", "notifications-consumer", "plans-relay", "approvals-relay")
# The processes profiled with --profile (gunicorn masters are sampled with their workers).
PROFILED = (
    "gateway",
    "plans",
    "approvals",
    "notifications",
    "plans-consumer",
    "approvals-consumer",
    "notifications-consumer",
    "plans-relay",
    "approvals-relay",
)
DECISION_BODY = json.dumps({"decision": "approve", "comment": "Đồng ý"}, ensure_ascii=False).encode()
TOKEN_RENEW_SECONDS = 180  # the realm's tokens live five minutes
T = TypeVar("T")


# -- pure figures (tests/unit/bench) ---------------------------------------------------------------
def effects_done(recorded: Iterable[str], *inboxes: Iterable[str]) -> set[str]:
    """The decisions recorded in the window whose event every consumer's inbox holds."""
    done = set(recorded)
    for inbox in inboxes:
        done &= set(inbox)
    return done


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU-seconds per process between two readings; a process started in between counts from 0."""
    return {name: max(0.0, after[name] - before.get(name, 0.0)) for name in after}


def per_decision_ms(seconds: float, decisions: int) -> float | None:
    return round(seconds * 1000 / decisions, 2) if decisions else None


def plans_to_prepare(capacity: int, decisions_wanted: int, levels: int = LEVELS) -> int:
    """Plans to create and submit so the open tasks hold ``decisions_wanted`` decisions: each new
    plan holds one per level; ``capacity`` is what the tasks already open still hold."""
    return max(0, math.ceil((decisions_wanted - capacity) / levels))


def out_of_order(approvals: dict[str, tuple[str, int]], plans: dict[str, tuple[str, int | None]]) -> list[str]:
    """Documents whose state in plans is not the one approvals reached: an approved approval's plan
    is approved; an open one's plan is submitted and waits at the approval's current level.
    ``approvals``: id → (status, current level); ``plans``: id → (status, stage level)."""
    wrong = []
    for plan_id, (status, level) in approvals.items():
        if status in ("returned", "rejected", "withdrawn"):
            continue
        expected = ("approved", None) if status == "approved" else ("submitted", level)
        if plans.get(plan_id) != expected:
            wrong.append(plan_id)
    return sorted(wrong)


# -- CPU beside the suite ---------------------------------------------------------------------------
def cpu_by_command(commands: Iterable[str]) -> float:
    """CPU-seconds so far of every process on this machine running one of ``commands``, with their
    reaped children (a PostgreSQL backend that exits moves its time to the postmaster's)."""
    wanted = set(commands)
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                text = stat.read()
        except OSError:
            continue
        command = text[text.find("(") + 1 : text.rfind(")")]
        if command in wanted:
            fields = text.rsplit(")", 1)[1].split()
            total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / tick


def beside_readings() -> dict[str, float]:
    """PostgreSQL (every postgres process: the machine's server is shared), RabbitMQ (beam.smp) and
    the load generator (this process: deciders, feeder, preparation, the test SMTP server)."""
    times = os.times()
    return {
        "postgresql": cpu_by_command(["postgres"]),
        "rabbitmq": cpu_by_command(["beam.smp"]),
        "load_generator": times.user + times.system,
    }


# -- the lean client --------------------------------------------------------------------------------
class Gateway:
    """Keep-alive HTTP/1.1 to the gateway, one connection per thread, headers prepared once:
    a request costs the load generator a few hundred microseconds, not the milliseconds
    ``requests`` spends per call."""

    def __init__(self, api: str) -> None:
        parts = urlsplit(api)
        self.host, self.port, self.prefix = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
        self._local = threading.local()
        self._lock = threading.Lock()
        self.held_back = 0  # commands a service asked to send again later (servicekit.backpressure)

    def call(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        """The answer's status and body. A service's refusal while its consumers catch up is sent again
        after the pause its ``Retry-After`` asks for, as a client should (counted in ``held_back``)."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            while True:
                connection.request(method, self.prefix + path, body, headers)
                response = connection.getresponse()
                status, content = response.status, response.read()
                if not catching_up(status, response.getheader("Content-Type"), content):
                    return status, content
                with self._lock:
                    self.held_back += 1
                time.sleep(float(response.getheader("Retry-After") or 1))
        except (OSError, http.client.HTTPException):
            connection.close()
            self._local.connection = None
            raise


class Bearer:
    """One person's token as request headers, obtained again before it expires."""

    def __init__(self, stack: Stack, username: str) -> None:
        self.stack, self.username = stack, username
        self._lock = threading.Lock()
        self._renew_at = 0.0
        self._headers: dict[str, str] = {}

    def headers(self) -> dict[str, str]:
        with self._lock:
            if time.monotonic() >= self._renew_at:
                token = self.stack.token(self.username)
                self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                self._renew_at = time.monotonic() + TOKEN_RENEW_SECONDS
            return self._headers


# -- the databases ----------------------------------------------------------------------------------
_OUR_TASKS = "(a.username, t.level) IN (" + ", ".join(f"('{user}', {level})" for level, user in APPROVERS.items()) + ")"
OPEN_TASKS = (
    "SELECT t.id, t.level, t.assigned_at FROM approval_tasks t JOIN task_assignees a ON a.task_id = t.id "  # noqa: S608
    f"WHERE t.status = 'open' AND t.assigned_at >= %s AND {_OUR_TASKS}"
)
CAPACITY = (
    f"SELECT coalesce(sum({LEVELS + 1} - t.level), 0) FROM approval_tasks t "  # noqa: S608
    f"JOIN task_assignees a ON a.task_id = t.id WHERE t.status = 'open' AND {_OUR_TASKS}"
)


def patiently(read: Callable[[], T], patience: float = 60) -> T:
    """A read of the databases; a server out of connections (the machine's PostgreSQL serves other
    work too, up to its limit) is waited for, not taken as the benchmark's failure."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return read()
        except psycopg.OperationalError as error:
            if "too many clients" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def rows(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    def read() -> list[tuple]:
        with psycopg.connect(url, autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()

    return patiently(read)


def scalar(url: str, sql: str, params: tuple = ()) -> int:
    return int(rows(url, sql, params)[0][0])


def analyze(databases: dict[str, str]) -> None:
    """The statistics of every database as autovacuum keeps them at this size. The suite's databases
    are new, and the preparation fills them within a minute or two, faster than autovacuum's analyze
    comes round: the processes' prepared statements would keep the generic plans PostgreSQL made while
    the tables were nearly empty (a sequential scan of the outbox for every batch marked published, of
    the inbox groups for every event), which cost more with every row the window adds. An ANALYZE
    invalidates those plans; the next execution plans for the tables as they are."""
    for url in databases.values():
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("ANALYZE")


def wait_until(probe: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not patiently(probe):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)


def prepare(stack: Stack, gateway: Gateway, decisions_wanted: int, threads: int = 16) -> dict:
    """Create and submit enough plans that the open tasks of the three approvers hold
    ``decisions_wanted`` decisions, and wait until their level-1 tasks are open."""
    approvals_db = stack.databases["approvals"]
    started = time.perf_counter()
    count = plans_to_prepare(scalar(approvals_db, CAPACITY), decisions_wanted)
    drafter = Bearer(stack, DRAFTER)

    def one(n: int) -> str:
        title = f"Kế hoạch thông tin đối ngoại năm 2024 — đợt đo {n}"
        body = json.dumps(plan_body(CAO_BANG_2024, title=title), ensure_ascii=False).encode()
        status, answer = gateway.call("POST", "/plans", body, drafter.headers())
        if status != 201:
            raise RuntimeError(f"creating a plan: {status} {answer[:300]!r}")
        plan_id = json.loads(answer)["id"]
        status, answer = gateway.call("POST", f"/plans/{plan_id}/submit", None, drafter.headers())
        if status != 200:
            raise RuntimeError(f"submitting a plan: {status} {answer[:300]!r}")
        return plan_id

    with ThreadPoolExecutor(max_workers=threads) as pool:
        plan_ids = list(pool.map(one, range(count)))
    submitted = time.perf_counter()
    wait_until(
        lambda: (
            scalar(
                approvals_db,
                "SELECT count(*) FROM approval_tasks t JOIN approvals a ON a.id = t.approval_id "
                "WHERE a.subject_id = ANY(%s) AND t.level = 1 AND t.status = 'open'",
                (plan_ids,),
            )
            >= count
        ),
        600,
        "the level-1 tasks of the plans prepared",
    )
    # The window opens on an idle pipeline: the submissions' events handled by every consumer.
    patiently(lambda: audit.wait_until_every_event_is_handled(stack.databases, timeout=600))
    return {
        "plans": count,
        "seconds": round(time.perf_counter() - started, 1),
        "created_and_submitted_seconds": round(submitted - started, 1),
    }


# -- the load ---------------------------------------------------------------------------------------
@dataclass
class Load:
    """Deciders fed with the approvers' open tasks, highest level first (so plans go all the way
    through, and every level is decided in the mix). The feeder learns new tasks from the approvals
    database (an indexed query five times a second, PostgreSQL's cost, reported beside): polling
    the three task lists through the gateway would spend the measured processes' CPU on reading,
    not on deciding."""

    stack: Stack
    gateway: Gateway
    deciders: int
    work: queue.PriorityQueue = field(default_factory=queue.PriorityQueue)
    stop: threading.Event = field(default_factory=threading.Event)
    answered: list[float] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        tokens = {level: Bearer(self.stack, username) for level, username in APPROVERS.items()}
        for bearer in tokens.values():
            bearer.headers()
        self.threads = [threading.Thread(target=self._feed, daemon=True)]
        self.threads += [
            threading.Thread(target=self._decide, args=(tokens,), daemon=True) for _ in range(self.deciders)
        ]
        for thread in self.threads:
            thread.start()
        wait_until(lambda: self.work.qsize() > self.deciders, 60, "work for the deciders")

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def _feed(self) -> None:
        queued: set[str] = set()
        order = itertools.count()
        watermark = datetime(2000, 1, 1, tzinfo=UTC)
        with psycopg.connect(self.stack.databases["approvals"], autocommit=True) as connection:
            while not self.stop.is_set():
                # Tasks commit a little out of their assigned_at order: look back a few seconds.
                for task_id, level, assigned_at in connection.execute(OPEN_TASKS, (watermark - timedelta(seconds=5),)):
                    watermark = max(watermark, assigned_at)
                    if task_id not in queued:
                        queued.add(task_id)
                        self.work.put((-level, next(order), level, task_id))
                self.stop.wait(0.2)

    def _decide(self, tokens: dict[int, Bearer]) -> None:
        while not self.stop.is_set():
            try:
                _, _, level, task_id = self.work.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                status, _ = self.gateway.call(
                    "POST", f"/approvals/tasks/{task_id}/decision", DECISION_BODY, tokens[level].headers()
                )
            except (OSError, http.client.HTTPException):  # a dropped connection is a refused decision
                self.refused.append(0)
                continue
            if status == 201:
                self.answered.append(time.perf_counter())
            else:
                self.refused.append(status)


# -- profiles ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def profiling(stack: Stack, seconds: float, out: Path | None) -> Iterator[dict]:
    """py-spy on each profiled process for the window: a flame graph (SVG) of every active thread
    (waits on the database and the network show), and the collapsed stacks of the threads holding
    the GIL, from which the top frames by self time are read (py-spy cannot tell a thread waiting
    in psycopg or a selector from a running one here, so the waits would top the list). Two
    samplers per process at 50 Hz: the figures of a profiled run are not the figures."""
    found: dict = {}
    if out is None:
        yield found
        return
    out.mkdir(parents=True, exist_ok=True)
    spy = str(Path(stack.env["PATH"].split(os.pathsep)[0]) / "py-spy")
    samplers = []
    for name in PROFILED:
        process = stack.processes.get(name)
        if process is None:
            continue
        for kind, path in (("flamegraph", out / f"profile-{name}.svg"), ("raw", out / f"profile-{name}.txt")):
            argv = [spy, "record", "--pid", str(process.pid), "--duration", str(int(seconds)), "--rate", "50"]
            argv += ["--subprocesses", "--nonblocking", "--format", kind, "-o", str(path)]
            if kind == "raw":  # the top frames: only threads holding the GIL, i.e. running Python
                argv += ["--gil", "--full-filenames"]  # full paths tell the layers apart
            samplers.append(
                (name, kind, path, subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            )
    try:
        yield found
    finally:
        for name, kind, path, sampler in samplers:
            try:
                _, error = sampler.communicate(timeout=seconds + 60)
            except subprocess.TimeoutExpired:
                sampler.kill()
                _, error = sampler.communicate()
            entry = found.setdefault(name, {})
            if sampler.returncode != 0 or not path.exists():
                # py-spy writes no flame graph of a process that ran no Python in the window.
                entry.setdefault("errors", []).append(error.decode(errors="replace").strip()[:200])
            elif kind == "flamegraph":
                entry["flamegraph"] = path.name
            else:
                collapsed = path.read_text(encoding="utf-8", errors="replace")
                entry["top_frames"] = top_frames(collapsed.splitlines())
                entry["percent_by_layer"] = where_time_goes(collapsed)["percent_by_layer"]


def write_top_frames(profiles: dict, path: Path) -> None:
    lines = []
    for name, entry in profiles.items():
        lines.append(f"== {name}")
        layers = ", ".join(f"{layer} {share:.1f}%" for layer, share in entry.get("percent_by_layer", {}).items())
        if layers:
            lines.append(f"   by layer: {layers}")
        for frame in entry.get("top_frames", []):
            lines.append(f"{frame['share_percent']:6.1f}%  {frame['frame']}")
        lines += [f"   error: {error}" for error in entry.get("errors", [])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- one run ----------------------------------------------------------------------------------------
def sustained(
    stack: Stack,
    decisions_wanted: int,
    seconds: int,
    *,
    drain: float = 5.0,
    deciders: int = 24,
    profile_dir: Path | None = None,
    tap: bool = False,
) -> dict:
    """One window of decisions, counted by their effects, with the CPU each process spent in it."""
    databases = stack.databases
    approvals_db, plans_db, notifications_db = databases["approvals"], databases["plans"], databases["notifications"]
    gateway = Gateway(stack.api)
    prepared = prepare(stack, gateway, decisions_wanted)
    analyze(databases)
    if tap:
        audit.open_tap(stack.env["AMQP_URL"])
    decisions_before = scalar(approvals_db, "SELECT count(*) FROM decisions")
    timeline_before = scalar(plans_db, "SELECT count(*) FROM plan_timeline WHERE kind = 'decision'")
    heard_before = _decisions_heard(notifications_db)

    began = datetime.now(UTC)
    load = Load(stack, gateway, deciders)
    load.start()
    try:
        suite_before, beside_before = stack.cpu_seconds(), beside_readings()
        held_back_before = gateway.held_back
        opened, started = datetime.now(UTC), time.perf_counter()
        with profiling(stack, seconds, profile_dir) as profiles:
            time.sleep(max(0.0, seconds - (time.perf_counter() - started)))
            suite_after, beside_after = stack.cpu_seconds(), beside_readings()
            closed, ended = datetime.now(UTC), time.perf_counter()
            held_back = gateway.held_back - held_back_before
            load.stop.set()
    finally:
        load.close()
    window = ended - started
    time.sleep(max(0.0, ended + drain - time.perf_counter()))

    # What was done 5 s after the window closed: matched by event id across the three databases.
    recorded = [
        event_id
        for (event_id,) in rows(
            approvals_db,
            "SELECT event_id FROM outbox WHERE routing_key = %s AND created_at >= %s AND created_at < %s",
            (DECISION_EVENT, opened, closed),
        )
    ]
    in_plans = _inbox(plans_db, PLANS_CONSUMER, opened)
    in_notifications = _inbox(notifications_db, NOTIFICATIONS_CONSUMER, opened)
    counted = len(effects_done(recorded, in_plans, in_notifications))
    answered = [t for t in load.answered if started <= t <= ended]

    suite_cpu = cpu_used(suite_before, suite_after)
    beside_cpu = cpu_used(beside_before, beside_after)
    suite_total = sum(suite_cpu.values())
    result = {
        "seconds": round(window, 1),
        "drain_seconds": drain,
        "deciders": deciders,
        "preparation": prepared,
        "decisions_per_second": round(counted / window, 1),
        "effects_done": counted,
        "recorded_in_window": len(recorded),
        "in_plans_inbox_after_drain": len(set(recorded) & set(in_plans)),
        "in_notifications_inbox_after_drain": len(set(recorded) & set(in_notifications)),
        "answered_201_per_second": round(len(answered) / window, 1),
        "refused": {str(code): n for code, n in sorted(Counter(load.refused).items())},
        # Decisions the approvals service asked to send again later while the consumers caught up.
        "held_back_in_window": held_back,
        "cpu": {
            "suite_seconds": round(suite_total, 2),
            "per_decision_ms": per_decision_ms(suite_total, counted),
            # Beside it: the same CPU over every decision recorded in the window, done or not by +5 s.
            "per_recorded_decision_ms": per_decision_ms(suite_total, len(recorded)),
            "by_process_ms": {
                name: per_decision_ms(used, counted)
                for name, used in sorted(suite_cpu.items(), key=lambda item: -item[1])
            },
            "by_process_seconds": {name: round(used, 2) for name, used in suite_cpu.items()},
            "beside_seconds": {name: round(used, 2) for name, used in beside_cpu.items()},
            "beside_per_decision_ms": {name: per_decision_ms(used, counted) for name, used in beside_cpu.items()},
        },
    }
    if profiles:
        result["profiles"] = profiles

    # The full audit: every backlog drained, nothing lost or doubled, each document in order.
    wait_until(lambda: audit.outboxes_drained(databases), 180, "the outboxes")
    decided = scalar(approvals_db, "SELECT count(*) FROM decisions") - decisions_before
    wait_until(
        lambda: (
            scalar(plans_db, "SELECT count(*) FROM plan_timeline WHERE kind = 'decision'") - timeline_before >= decided
        ),
        240,
        "the plans service to hear every decision",
    )
    wait_until(lambda: _decisions_heard(notifications_db) - heard_before >= decided, 240, "notifications")
    with contextlib.suppress(RuntimeError):
        wait_until(lambda: not any(audit.unhandled(databases).values()), 120, "every consumer's inbox")
    timeline = scalar(plans_db, "SELECT count(*) FROM plan_timeline WHERE kind = 'decision'") - timeline_before
    heard = _decisions_heard(notifications_db) - heard_before
    result.update(
        {
            "recorded_in_approvals": decided,
            "in_plans_timelines": timeline,
            "heard_by_notifications": heard,
            "lost": max(0, decided - timeline) + max(0, decided - heard),
            "doubled": max(0, timeline - decided) + max(0, heard - decided),
            "events_not_handled_once": patiently(lambda: audit.unhandled(databases)),
            "documents_out_of_order": _documents_out_of_order(approvals_db, plans_db, began),
        }
    )
    if tap:
        arrived = _drain_tap(stack.env["AMQP_URL"])
        result["broker_order_violations"] = len(
            audit.order_violations(arrived, patiently(lambda: audit.published(databases)))
        )
    return result


def _inbox(url: str, consumer: str, since: datetime) -> list[str]:
    return [
        event_id
        for (event_id,) in rows(
            url, "SELECT event_id FROM inbox WHERE consumer = %s AND handled_at >= %s", (consumer, since)
        )
    ]


def _decisions_heard(url: str) -> int:
    return scalar(url, "SELECT count(*) FROM inbox WHERE event_type = 'vn.ttdn.approval.decision_recorded'")


def _documents_out_of_order(approvals_db: str, plans_db: str, since: datetime) -> int:
    """Documents decided on in the run whose state in plans is not the one approvals reached."""
    approvals = {
        subject_id: (status, level)
        for subject_id, status, level in rows(
            approvals_db,
            "SELECT subject_id, status, current_level FROM approvals "
            "WHERE id IN (SELECT approval_id FROM decisions WHERE decided_at >= %s)",
            (since,),
        )
    }
    plans = {
        plan_id: (status, level)
        for plan_id, status, level in rows(
            plans_db, "SELECT id, status, (stage->>'level')::int FROM plans WHERE id = ANY(%s)", (list(approvals),)
        )
    }
    return len(out_of_order(approvals, plans))


def _drain_tap(amqp_url: str) -> list[str]:
    """The tap's event ids in arrival order; the tap is deleted (it would grow for the rest of the run)."""
    arrived = audit.drain_tap(amqp_url)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url.split(",")[0]))
    connection.channel().queue_delete(audit.TAP_QUEUE)
    connection.close()
    return arrived


# -- the phase --------------------------------------------------------------------------------------
def decisions(stack: Stack, plans: int, seconds: int, *, profile_dir: Path | None = None) -> dict:
    """The window with one process of each kind, then again with every consumer and relay as two
    competing processes (on two cores no speed-up is expected: the point is that exactly-once and
    each document's order hold and nothing contends). The renderer is stopped for both and stays
    stopped: the documents issued meanwhile wait for it, counted in ``issued_files``."""
    stack.stop_process("plans-renderer")
    wanted = plans * LEVELS
    one = sustained(stack, wanted, seconds, profile_dir=profile_dir)
    for name in COMPETING:
        stack.start_process(f"{name}.2")
    try:
        twice = sustained(stack, wanted, seconds, tap=True)
    finally:
        for name in COMPETING:
            stack.stop_process(f"{name}.2")
    if profile_dir is not None and one.get("profiles"):
        write_top_frames(one["profiles"], profile_dir / "profile-top-frames.txt")
    return {
        "one_of_each": one,
        "consumers_and_relays_twice": twice,
        "ratio_twice_to_one": round(twice["decisions_per_second"] / max(one["decisions_per_second"], 0.1), 3),
        "renderer": "stopped for the decision runs (rendering must not show in the figures)",
    }
