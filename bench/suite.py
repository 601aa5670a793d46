"""Measurements of the running suite (started by tests/support/stack.py, as
the end-to-end tests start it), each beside a baseline taken in the same run."""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import psycopg
import requests

from bench.baselines import percentile
from bench.load import LoadResult, wrk
from bench.profiles import where_time_goes
from infra.local.sample_plans import CAO_BANG_2024
from tests.support.journeys import Person, plan_body
from tests.support.stack import ROOT, Stack, free_port


def person(stack: Stack, username: str) -> Person:
    return Person(stack.api, username, stack.session(username, pool_maxsize=64))


def psql(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def scalar(url: str, sql: str, params: tuple = ()) -> int:
    with psql(url) as connection:
        return connection.execute(sql, params).fetchone()[0]


def _rows(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psql(url) as connection:
        return connection.execute(sql, params).fetchall()


def create_plans(drafter: Person, count: int, *, submit: bool, threads: int = 6) -> list[str]:
    def one(n: int) -> str:
        body = plan_body(CAO_BANG_2024, title=f"Kế hoạch thông tin đối ngoại năm 2024 — đợt đo {n}")
        plan = drafter.create_plan(body)
        if submit:
            drafter.submit(plan["id"])
        return plan["id"]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, range(count)))


def wait_until(probe: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)


# -- 1. gateway throughput -------------------------------------------------------------------------
def gateway_throughput(stack: Stack, seconds: int, *, profile_to: Path | None = None) -> dict:
    """One plan's GET under wrk through the gateway, then straight from the plans service, then a
    hello-world Flask app under the gateway's gunicorn settings. Beside each rate, the CPU seconds
    the process trees serving it used per request (the gateway's own cost per proxied request is
    what the hop adds). With ``profile_to``, each of the first two loads runs once more under
    py-spy (a separate run: the sampler's own cost must not touch the measured rates), and the
    collapsed stacks are written there with a summary of where the time goes."""
    drafter = person(stack, "drafter.cb")
    plan_id = create_plans(drafter, 1, submit=False)[0]
    token = stack.token("drafter.cb")
    auth = {"Authorization": f"Bearer {token}"}
    gateway_url, direct_url = f"{stack.api}/plans/{plan_id}", f"{stack.url('plans')}/plans/{plan_id}"

    before = stack.cpu_seconds()
    through_gateway = wrk(gateway_url, seconds=seconds, headers=auth)
    gateway_cpu = _cpu_used(before, stack.cpu_seconds(), ("gateway", "plans"))
    before = stack.cpu_seconds()
    direct = wrk(direct_url, seconds=seconds, headers=auth)
    direct_cpu = _cpu_used(before, stack.cpu_seconds(), ("plans",))

    port = free_port()
    hello = subprocess.Popen(
        [
            str(Path(stack.env["PATH"].split(":")[0]) / "gunicorn"),
            "-c",
            "infra/gunicorn/gateway.py",
            "--bind",
            f"127.0.0.1:{port}",
            "bench.hello:app",
        ],
        cwd=ROOT,
        env={**stack.env, "GATEWAY_ACCESS_LOG": "-"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _answers(f"http://127.0.0.1:{port}/hello"), 20, "the hello-world app")
        hello_before = _tree_cpu_seconds(hello.pid)
        baseline = wrk(f"http://127.0.0.1:{port}/hello", seconds=seconds)
        hello_cpu = _tree_cpu_seconds(hello.pid) - hello_before
    finally:
        hello.terminate()
        hello.wait(20)

    def per_request(cpu_seconds: float, load: LoadResult) -> float:
        return round(cpu_seconds * 1000 / max(load.requests, 1), 3)

    result = {
        "gateway": through_gateway.as_dict(),
        "plans_direct": direct.as_dict(),
        "hello_world": baseline.as_dict(),
        "ratio_to_hello_world": round(through_gateway.requests_per_second / baseline.requests_per_second, 3),
        "ratio_to_plans_direct": round(through_gateway.requests_per_second / direct.requests_per_second, 3),
        "plans_direct_to_hello_world": round(direct.requests_per_second / baseline.requests_per_second, 3),
        # CPU milliseconds per request of the process trees that served it (gunicorn master and workers).
        "cpu_ms_per_request": {
            "gateway_own": per_request(gateway_cpu["gateway"], through_gateway),
            "plans_behind_the_gateway": per_request(gateway_cpu["plans"], through_gateway),
            "plans_direct": per_request(direct_cpu["plans"], direct),
            "hello_world": per_request(hello_cpu, baseline),
        },
    }
    if profile_to is not None:
        result["profiles"] = {
            "plans_direct": _profiled(stack, "plans", direct_url, auth, seconds, profile_to / "profile-plan-get-plans"),
            "gateway": _profiled(stack, "gateway", gateway_url, auth, seconds, profile_to / "profile-plan-get-gateway"),
        }
    return result


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).ok
    except requests.RequestException:
        return False


def _cpu_used(before: dict[str, float], after: dict[str, float], names: tuple[str, ...]) -> dict[str, float]:
    return {name: after.get(name, 0.0) - before.get(name, 0.0) for name in names}


def _tree_cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and its descendants alive now (a gunicorn master and its workers)."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    used = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        used += times.user + times.system
    return used


def _profiled(stack: Stack, process: str, url: str, headers: dict[str, str], seconds: int, stem: Path) -> dict:
    """The same load again with py-spy sampling the process tree (every gunicorn worker); the collapsed
    stacks (speedscope and flamegraph tools read them) go to ``stem``.txt, a summary is returned."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    output = stem.with_suffix(".txt")
    sampler = subprocess.Popen(
        [
            str(Path(stack.env["PATH"].split(":")[0]) / "py-spy"),
            "record",
            "--pid",
            str(stack.processes[process].pid),
            "--subprocesses",
            "--nonblocking",
            "--gil",  # only what holds the GIL: the Python work, not threads waiting on sockets
            "--full-filenames",
            "--rate",
            "200",
            "--duration",
            str(seconds + 1),
            "--format",
            "raw",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1)  # py-spy attaches to each worker before the load starts
    load = wrk(url, seconds=seconds, headers=headers)
    _, errors = sampler.communicate(timeout=seconds + 60)
    if sampler.returncode != 0 or not output.exists():
        return {"error": (errors or "py-spy failed")[-300:]}
    summary = where_time_goes(output.read_text(encoding="utf-8"))
    where = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    return {"file": str(where), "requests_per_second_sampled": load.requests_per_second, **summary}


# -- 2. end-to-end latency -------------------------------------------------------------------------
class ConditionalPoll:
    """A list watched as a client would: the ETag of the last answer goes back in If-None-Match with
    ``Prefer: wait`` (servicekit.list_versions), so the service answers the moment the list changes,
    or ``304`` after the wait; a 304 (no body) costs the services one row read. ``counts`` says how the
    polls went ("immediate" are 304s answered without waiting: too many waiting in that process)."""

    WAIT_SECONDS = 5

    def __init__(self, who: Person, path: str, params: dict) -> None:
        self.who, self.path, self.params = who, path, params
        self.etag: str | None = None
        self.counts = {"200": 0, "304": 0, "immediate": 0}

    def items_if_changed(self) -> tuple[list[dict], bool]:
        """The list's items when it changed since the last poll (none when it did not), and whether
        the service waited before answering (when it did not, the caller should pause before asking
        again)."""
        headers = {"If-None-Match": self.etag, "Prefer": f"wait={self.WAIT_SECONDS}"} if self.etag else {}
        response = self.who.get(self.path, params=self.params, headers=headers)
        if response.status_code == 304:
            self.counts["304"] += 1
            waited = "Preference-Applied" in response.headers
            self.counts["immediate"] += not waited
            return [], waited
        assert response.status_code == 200, response.text
        self.counts["200"] += 1
        self.etag = response.headers.get("ETag")
        return response.json()["items"], True


def end_to_end_latency(stack: Stack, samples: int, rate: float, poll_seconds: float = 0.01) -> dict:
    """Open loop: plans are submitted on a fixed schedule whether or not earlier ones are through.
    One poller per observer (the approver's task list, the drafter's inbox) notes when each plan
    first appears, so the measuring load stays constant whatever the backlog."""
    drafter, dept = person(stack, "drafter.cb"), person(stack, "dept.cb")
    plan_ids = create_plans(drafter, samples, submit=False)
    wanted = set(plan_ids)
    # perf_counter for the figures; the wall clock beside it, to set against the databases' stamps.
    submitted: dict[str, float] = {}
    task_seen: dict[str, float] = {}
    decided: dict[str, float] = {}
    inbox_seen: dict[str, float] = {}
    wall: dict[tuple[str, str], float] = {}
    to_decide: queue.Queue[tuple[str, str]] = queue.Queue()
    stop = threading.Event()
    failures: list[str] = []

    task_poll = ConditionalPoll(dept, "/approvals/tasks", {"limit": 100})
    inbox_poll = ConditionalPoll(drafter, "/notifications", {"limit": 50})

    def watch_tasks() -> None:
        while not stop.is_set():
            tasks, waited = task_poll.items_if_changed()
            for task in tasks:
                plan_id = task["plan_id"]
                if plan_id in wanted and plan_id not in task_seen:
                    task_seen[plan_id] = time.perf_counter()
                    wall["task_seen", plan_id] = time.time()
                    to_decide.put((plan_id, task["id"]))
            if not waited:
                stop.wait(poll_seconds)

    def watch_inbox() -> None:
        while not stop.is_set():
            messages, waited = inbox_poll.items_if_changed()
            for message in messages:
                plan_id = message["plan_id"]
                heard = message["event_type"] == "approval.decision_recorded" and plan_id in decided
                if heard and plan_id not in inbox_seen:
                    inbox_seen[plan_id] = time.perf_counter()
                    wall["inbox_seen", plan_id] = time.time()
            if not waited:
                stop.wait(poll_seconds)

    def decide() -> None:
        while not stop.is_set():
            try:
                plan_id, task_id = to_decide.get(timeout=0.1)
            except queue.Empty:
                continue
            decided[plan_id] = time.perf_counter()
            wall["decided", plan_id] = time.time()
            response = dept.decide(task_id, "approve", "Đồng ý")
            if response.status_code != 201:
                failures.append(f"decide {plan_id}: {response.status_code}")

    def submit(plan_id: str) -> None:
        submitted[plan_id] = time.perf_counter()
        wall["submitted", plan_id] = time.time()
        try:
            drafter.submit(plan_id)
        except AssertionError as error:
            failures.append(f"submit {plan_id}: {error}"[:200])

    helpers = [threading.Thread(target=watch_tasks), threading.Thread(target=watch_inbox)]
    helpers += [threading.Thread(target=decide) for _ in range(4)]
    for thread in helpers:
        thread.start()
    interval = 1.0 / rate
    with ThreadPoolExecutor(max_workers=16) as pool:
        start = time.perf_counter()
        for n, plan_id in enumerate(plan_ids):
            delay = start + n * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(submit, plan_id)
    deadline = time.monotonic() + 60
    while len(inbox_seen) < samples and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    for thread in helpers:
        thread.join(10)
    to_task = [(task_seen[p] - submitted[p]) * 1000 for p in plan_ids if p in task_seen]
    to_inbox = [(inbox_seen[p] - decided[p]) * 1000 for p in plan_ids if p in inbox_seen]
    return {
        "samples": samples,
        "rate_per_second": rate,
        "poll_interval_ms": poll_seconds * 1000,
        "submit_to_task_visible": _latency(to_task),
        "decision_to_drafter_inbox": _latency(to_inbox),
        "missing_samples": samples - len(to_inbox),
        "stages_ms": latency_stages(stack, wall, plan_ids),
        "polls": {"task list": task_poll.counts, "inbox": inbox_poll.counts},
        "failures": failures[:3],
    }


# The stages of the two paths, read from the stamps the services write on the way: the outbox row
# (written in the request's transaction, before its commit; marked when the broker confirmed it)
# and the consumer's inbox row (written first in the consumer's transaction, before the handler).
SUBMISSION_STAGES = (
    ("request → outbox row", "submitted", "created"),
    ("outbox row → published", "created", "published"),
    ("published → consumer's inbox row", "published", "handled"),
    ("inbox row → seen by the poller", "handled", "task_seen"),
)
DECISION_STAGES = (
    ("request → outbox row", "decided", "created"),
    ("outbox row → published", "created", "published"),
    ("published → consumer's inbox row", "published", "handled"),
    ("inbox row → seen by the poller", "handled", "inbox_seen"),
)


def latency_stages(stack: Stack, wall: dict[tuple[str, str], float], plan_ids: list[str]) -> dict:
    """Where each path's time goes: p50 and p99 of every stage (ms), from the bench's own clock and
    the stamps in the outbox and inbox tables (one machine, one clock)."""
    subjects = [f"plans/{plan_id}" for plan_id in plan_ids]
    paths = {
        "submit → task visible": (
            stack.databases["plans"], "vn.ttdn.plan.submitted", stack.databases["approvals"],
            "approvals.plan-events", SUBMISSION_STAGES,
        ),
        "decision → inbox": (
            stack.databases["approvals"], "vn.ttdn.approval.decision_recorded", stack.databases["notifications"],
            "notifications.events", DECISION_STAGES,
        ),
    }  # fmt: skip
    found: dict = {}
    for path, (producer, event_type, consumer_db, consumer, stages) in paths.items():
        with psql(producer) as connection:
            produced = connection.execute(
                "SELECT aggregate_id, event_id, extract(epoch FROM created_at), extract(epoch FROM published_at) "
                "FROM outbox WHERE event_type = %s AND aggregate_id = ANY(%s)",
                (event_type, subjects),
            ).fetchall()
        with psql(consumer_db) as connection:
            handled = dict(
                connection.execute(
                    "SELECT event_id, extract(epoch FROM handled_at) FROM inbox "
                    "WHERE consumer = %s AND event_id = ANY(%s)",
                    (consumer, [row[1] for row in produced]),
                ).fetchall()
            )
        spans: dict[str, list[float]] = {name: [] for name, _, _ in stages}
        for subject, event_id, created, published in produced:
            plan_id = subject.removeprefix("plans/")
            stamps = {
                **{kind: moment for (kind, plan), moment in wall.items() if plan == plan_id},
                "created": float(created),
                "published": float(published) if published is not None else None,
                "handled": float(handled[event_id]) if event_id in handled else None,
            }
            for name, start, end in stages:
                if stamps.get(start) is not None and stamps.get(end) is not None:
                    spans[name].append((stamps[end] - stamps[start]) * 1000)
        found[path] = {name: _latency(values) for name, values in spans.items()}
    return found


def _latency(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "p50_ms": round(percentile(values, 0.50), 1),
        "p99_ms": round(percentile(values, 0.99), 1),
    }


# -- 3. sustained decisions: bench/decisions.py ------------------------------------------------


# -- 4. lists at scale -----------------------------------------------------------------------------
def grow_plans(url: str, count: int) -> None:
    """``count`` copies of a plan row: provinces, years and statuses spread, one in fifty mentioning
    "tập huấn biên giới" (what the lists phase searches), each a minute older than the one before."""
    _copy_rows(
        url,
        "plans",
        "true",
        {
            "id": "md5('bench-plan-' || i)::uuid::text",
            "province": PROVINCES,
            "org_unit": f"{PROVINCES} || '-STTTT'",
            "year": "2015 + i % 12",
            "status": STATUSES,
            "title": "'Kế hoạch thông tin đối ngoại năm ' || (2015 + i % 12) || ' số ' || i",
            "search_text": "'ke hoach thong tin doi ngoai nam ' || (2015 + i % 12) || ' so ' || i "
            "|| CASE WHEN i % 50 = 0 THEN ' tap huan bien gioi' ELSE '' END",
            "created_at": "t.created_at - make_interval(mins => i)",
            "updated_at": "t.updated_at - make_interval(mins => i)",
        },
        count,
    )


def _copy_rows(url: str, table: str, template_where: str, overrides: dict[str, str], count: int) -> None:
    with psql(url) as connection:
        columns = [
            row[0]
            for row in connection.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
                (table,),
            )
        ]
        select = ", ".join(overrides.get(column, f"t.{column}") for column in columns)
        connection.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - names from the catalogue
            f"SELECT {select} FROM (SELECT * FROM {table} WHERE {template_where} LIMIT 1) t, "
            f"generate_series(1, {int(count)}) AS i"
        )
        connection.execute(f"ANALYZE {table}")


PROVINCES = (
    "(ARRAY['ubnd-cao-bang','ubnd-thai-nguyen-2025','ubnd-quang-ngai-2025','ubnd-lang-son','ubnd-quang-tri-2025'])"
    "[1 + i % 5]"
)
STATUSES = "(ARRAY['draft','submitted','approved','returned','rejected','withdrawn'])[1 + (i / 5) % 6]"


PLANS_IN_REVIEW = 300


def plans_in_review(stack: Stack, count: int) -> None:
    """Plans submitted and approved by the department and the province, so that the ministry reads
    their versions (what its search looks in) and the copies below have a plan to be made from: what
    the phases before leave when the lists run alone, without which the search would find nothing."""
    drafter, dept, province = person(stack, "drafter.cb"), person(stack, "dept.cb"), person(stack, "province.cb")
    pending_plans = set(create_plans(drafter, count, submit=True))
    for approver, level in ((dept, 1), (province, 2)):
        pending = set(pending_plans)
        deadline = time.monotonic() + 300
        while pending:
            for task in approver.tasks(level=level):
                if task["plan_id"] in pending:
                    assert approver.decide(task["id"], "approve", "Đồng ý").status_code == 201
                    pending.discard(task["plan_id"])
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(pending)} plans never reached level {level}")
            time.sleep(0.2)


def lists_at_scale(stack: Stack, plans: int, notifications: int, requests_each: int = 200) -> dict:
    plans_db, notifications_db = stack.databases["plans"], stack.databases["notifications"]
    drafter, ministry, dept = person(stack, "drafter.cb"), person(stack, "ministry.1"), person(stack, "dept.cb")
    existing = scalar(plans_db, "SELECT count(*) FROM plans")
    if existing < PLANS_IN_REVIEW:  # run alone (--only lists): what the phases before would have left
        plans_in_review(stack, PLANS_IN_REVIEW - existing)
        existing = scalar(plans_db, "SELECT count(*) FROM plans")
    started = time.perf_counter()
    grow_plans(plans_db, max(0, plans - existing))
    # The statistics as autovacuum keeps them at this size. The phases before wrote thousands of
    # versions and their readers within minutes, faster than autovacuum's analyze comes round (and its
    # workers were busy with the rows loaded here): planned with the readers counted from the first few
    # plans, the search read every version the ministry may see and sorted them.
    with psql(plans_db) as connection:
        connection.execute("ANALYZE")
    plans_loaded = time.perf_counter() - started
    started = time.perf_counter()
    with psql(notifications_db) as connection:
        connection.execute(
            """
            INSERT INTO notifications
              (id, recipient, event_id, event_type, plan_id, subject, body, link, created_at, read_at)
            SELECT md5('bench-msg-' || i)::uuid::text,
                   CASE WHEN i %% 200 = 0 THEN 'dept.cb' ELSE 'reader.' || (i %% 2000) END,
                   'bench-evt-' || i, 'approval.task_assigned', md5((i / 7)::text)::uuid::text,
                   'Kế hoạch chờ phê duyệt: Kế hoạch hoạt động thông tin đối ngoại năm 2024',
                   'Kế hoạch “Kế hoạch hoạt động thông tin đối ngoại năm 2024” (svhttdl-cao-bang) đang chờ phê duyệt.',
                   'http://localhost:8000/plans/' || md5((i / 7)::text)::uuid::text,
                   now() - make_interval(secs => i), CASE WHEN i %% 3 = 0 THEN now() END
            FROM generate_series(1, %s) AS i
            """,
            (notifications,),
        )
        connection.execute("ANALYZE notifications")
    notifications_loaded = time.perf_counter() - started

    def timed(who: Person, path: str, params: dict, follow: bool) -> list[float]:
        durations = []
        for n in range(requests_each):
            started = time.perf_counter()
            response = who.get(path, params=params)
            durations.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            cursor = response.json().get("next_cursor")
            if follow and cursor and n % 2 == 0:
                started = time.perf_counter()
                assert who.get(path, params={**params, "cursor": cursor}).status_code == 200
                durations.append((time.perf_counter() - started) * 1000)
        return durations

    cases = {
        "plans: ministry, status+province+year": timed(
            ministry, "/plans", {"status": "approved", "province": "ubnd-lang-son", "year": 2020, "limit": 20}, True
        ),
        "plans: drafter, own unit by year": timed(drafter, "/plans", {"year": 2022, "limit": 20}, True),
        "plans: ministry, accent-insensitive q": timed(
            ministry, "/plans", {"q": "tap huan bien gioi", "limit": 20}, True
        ),
        "notifications: unread page": timed(dept, "/notifications", {"unread": "true", "limit": 20}, True),
        "notifications: newest page": timed(dept, "/notifications", {"limit": 20}, True),
    }
    return {
        "plans": scalar(plans_db, "SELECT count(*) FROM plans"),
        "notifications": scalar(notifications_db, "SELECT count(*) FROM notifications"),
        "load_seconds": {"plans": round(plans_loaded, 1), "notifications": round(notifications_loaded, 1)},
        "p95_ms": {name: round(percentile(values, 0.95), 1) for name, values in cases.items()},
        "p50_ms": {name: round(percentile(values, 0.50), 1) for name, values in cases.items()},
    }


def issued_files(stack: Stack) -> dict[str, int]:
    """How many issued documents the renderer stored, and how many still wait, in the plans database."""
    database = stack.databases["plans"]
    return {
        status: scalar(database, "SELECT count(*) FROM issued_files WHERE status = %s", (status,))
        for status in ("stored", "pending")
    }


# -- 5. the task inbox at scale --------------------------------------------------------------------
TASK_TITLE = (
    "'Kế hoạch thông tin đối ngoại năm 2025 số ' || i || CASE WHEN i % 50 = 0 THEN ' tập huấn biên giới' ELSE '' END"
)
TASK_TITLE_FOLDED = (
    "'ke hoach thong tin doi ngoai nam 2025 so ' || i || CASE WHEN i % 50 = 0 THEN ' tap huan bien gioi' ELSE '' END"
)


def task_inbox_at_scale(stack: Stack, tasks: int, requests_each: int = 200) -> dict:
    """``GET /approvals/tasks`` for an approver with ``tasks`` open tasks (some overdue, one in twenty
    delegated to them, one in fifty matching a search), beside the same request for an approver whose
    inbox is empty (the fixed cost of the call through the gateway), in the same run."""
    approvals_db = stack.databases["approvals"]
    drafter, dept, empty = person(stack, "drafter.cb"), person(stack, "dept.cb"), person(stack, "dept.qb")
    (plan_id,) = create_plans(drafter, 1, submit=True)
    # Found in the database: after the decisions phase dept.cb's own list holds thousands of open
    # tasks, and this one (due last) is not on its first pages.
    find = (
        "SELECT t.id, t.approval_id FROM approval_tasks t JOIN approvals a ON a.id = t.approval_id "
        "WHERE a.subject_id = %s AND t.level = 1"
    )
    wait_until(lambda: _rows(approvals_db, find, (plan_id,)) != [], 120, "the template's level-1 task")
    ((task_id, approval_id),) = _rows(approvals_db, find, (plan_id,))
    template = {"id": task_id, "approval_id": approval_id}
    started = time.perf_counter()
    _copy_rows(
        approvals_db,
        "approvals",
        f"id = '{template['approval_id']}'",
        {
            "id": "md5('bench-approval-' || i)::uuid::text",
            "plan_id": "md5('bench-plan-' || i)::uuid::text",
            "subject_id": "md5('bench-plan-' || i)::uuid::text",
            "title": TASK_TITLE,
            "title_folded": TASK_TITLE_FOLDED,
            "started_at": "t.started_at - make_interval(mins => i)",
        },
        tasks,
    )
    _copy_rows(
        approvals_db,
        "approval_tasks",
        f"id = '{template['id']}'",
        {
            "id": "md5('bench-task-' || i)::uuid::text",
            "approval_id": "md5('bench-approval-' || i)::uuid::text",
            # Arrived over the past weeks; due from four days ago to two weeks ahead.
            "assigned_at": "t.assigned_at - make_interval(mins => i * 3)",
            "due_at": "t.due_at + make_interval(hours => (i % 432) - 96)",
            "remind_at": "t.remind_at + make_interval(hours => (i % 432) - 96)",
            # An inbox that grew over weeks has had its reminders and overdue notices sent as they
            # fell due: without these, the scheduler would send thousands at once while we measure.
            "reminded_at": "CASE WHEN t.remind_at + make_interval(hours => (i % 432) - 96) <= now()"
            " THEN t.remind_at + make_interval(hours => (i % 432) - 96) END",
            "overdue_at": "CASE WHEN t.due_at + make_interval(hours => (i % 432) - 96) < now()"
            " THEN t.due_at + make_interval(hours => (i % 432) - 96) END",
        },
        tasks,
    )
    with psql(approvals_db) as connection:
        connection.execute(
            "INSERT INTO task_assignees (task_id, username) "
            "SELECT md5('bench-task-' || i)::uuid::text, 'dept.cb' FROM generate_series(1, %s) AS i",
            (tasks,),
        )
        connection.execute(
            "INSERT INTO delegations (id, approval_id, task_id, from_user, to_user, comment, delegated_at, kind) "
            "SELECT md5('bench-delegation-' || i)::uuid::text, md5('bench-approval-' || i)::uuid::text, "
            "md5('bench-task-' || i)::uuid::text, 'dual.cb', 'dept.cb', 'Đi công tác', now(), 'manual' "
            "FROM generate_series(20, %s, 20) AS i",
            (tasks,),
        )
        connection.execute(
            "INSERT INTO task_openings (task_id, username, opened_at) "
            "SELECT md5('bench-task-' || i)::uuid::text, 'dept.cb', now() FROM generate_series(3, %s, 3) AS i",
            (tasks,),
        )
        for table in ("approvals", "approval_tasks", "task_assignees", "delegations", "task_openings"):
            connection.execute(f"ANALYZE {table}")
    loaded = time.perf_counter() - started
    in_inbox = len(dept.tasks(limit=200))

    def timed(who: Person, params: dict) -> list[float]:
        durations = []
        for n in range(requests_each):
            started = time.perf_counter()
            response = who.get("/approvals/tasks", params=params)
            durations.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            cursor = response.json().get("next_cursor")
            if cursor and n % 2 == 0:  # the next page too: keyset paging costs the same deep down
                started = time.perf_counter()
                assert who.get("/approvals/tasks", params={**params, "cursor": cursor}).status_code == 200
                durations.append((time.perf_counter() - started) * 1000)
        return durations

    cases = {
        "tasks: by due date": timed(dept, {"limit": 25}),
        "tasks: by arrival": timed(dept, {"sort": "arrival", "limit": 25}),
        "tasks: overdue only": timed(dept, {"overdue": "true", "limit": 25}),
        "tasks: accent-insensitive q": timed(dept, {"q": "tap huan bien gioi", "limit": 25}),
        "tasks: delegated to me": timed(dept, {"delegated": "true", "limit": 25}),
    }
    baseline = timed(empty, {"limit": 25})
    return {
        "tasks": scalar(approvals_db, "SELECT count(*) FROM approval_tasks WHERE status = 'open'"),
        "first_page_items": in_inbox,
        "load_seconds": round(loaded, 1),
        "p95_ms": {name: round(percentile(values, 0.95), 1) for name, values in cases.items()},
        "p50_ms": {name: round(percentile(values, 0.50), 1) for name, values in cases.items()},
        "baseline_empty_inbox": {
            "p95_ms": round(percentile(baseline, 0.95), 1),
            "p50_ms": round(percentile(baseline, 0.50), 1),
        },
    }
