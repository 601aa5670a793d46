"""`make bench`: the suite's figures beside baselines measured in the same run
on the same machine. Prints one table and writes it as JSON under var/bench/.

    python -m bench [--quick] [--profile] [--only PHASE ...]

--quick shrinks every measurement (for trying the harness, not for figures).
--profile records py-spy flame graphs of the consumers, relays, services and
gateway during the decision window (var/bench/profile-<process>.svg, with the
top frames by self time in profile-top-frames.txt); a profiled run's figures
carry the samplers' cost.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench import approval_step, baselines, decisions, documents, overview, spiff_baseline, suite
from tests.conftest import PG_ADMIN_DSN
from tests.support.receivers import start_smtp
from tests.support.stack import ROOT, Stack

PHASES = ("baselines", "throughput", "latency", "decisions", "lists", "tasks", "overview", "documents")
# These need the running suite.
SUITE_PHASES = ("baselines", "throughput", "latency", "decisions", "lists", "tasks", "overview")
GOALS = {
    "gateway ÷ plans service direct": (">=", 0.85),
    "submit → task visible p50 (ms)": ("<=", 30),
    "submit → task visible p99 (ms)": ("<=", 100),
    "decision → inbox p50 (ms)": ("<=", 30),
    "decision → inbox p99 (ms)": ("<=", 100),
    "decisions/s (60 s, effects done within +5 s)": (">=", 120),
    "CPU per decision (ms), suite's processes": ("<=", 10),
    "decisions/s, consumers and relays ×2": (">=", 120),
    "CPU per decision (ms), consumers and relays ×2": ("<=", 10),
    "decisions lost": ("<=", 0),
    "documents out of order, events not handled once": ("<=", 0),
    "approval step ÷ SpiffWorkflow": ("<=", 1.0),
    "list p95 at scale (ms, worst)": ("<=", 50),
    "task inbox p95 at 10,000 tasks (ms, worst)": ("<=", 50),
    "10-page plan rendered + signed (s)": ("<=", 2.0),
    "GET /overview p95 (ms), 34 provinces × 10 years": ("<=", 100),
}


def sizes(quick: bool) -> dict:
    if quick:
        return {"wrk_seconds": 3, "latency_samples": 60, "rate": 10.0, "decision_plans": 400, "decision_seconds": 10,
                "plans": 5_000, "notifications": 50_000, "requests_each": 40, "step_samples": 150,
                "tasks": 2_000}  # fmt: skip
    return {"wrk_seconds": 15, "latency_samples": 1000, "rate": 5.0, "decision_plans": 3000, "decision_seconds": 60,
            "plans": 100_000, "notifications": 1_000_000, "requests_each": 200, "step_samples": 900,
            "tasks": 10_000}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", choices=PHASES, help="run only these phases (no table)")
    parser.add_argument("--profile", action="store_true", help="py-spy flame graphs of the decision window")
    args = parser.parse_args()
    wanted = set(args.only or PHASES)
    size = sizes(args.quick)
    results: dict = {
        "started_at": datetime.now(UTC).isoformat(),
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "sizes": size,
    }

    def phase(name: str) -> None:
        print(f"[bench] {time.strftime('%H:%M:%S')} {name}", file=sys.stderr, flush=True)

    controller, _mailbox, smtp_port = start_smtp()
    workdir = Path(tempfile.mkdtemp(prefix="ttdn-bench-"))
    stack = Stack(
        workdir,
        extra_env={
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "EMAIL_BATCH_SECONDS": "5",
            # A benchmark is one caller hammering the gateway: lift the per-caller limit.
            "RATELIMIT_DEFAULT": "100000000/minute",
            "LOG_LEVEL": "WARNING",
            "GATEWAY_ACCESS_LOG": "-",
        },
    )
    try:
        if "documents" in wanted:
            # In this process, before the suite starts: the renderer's work for one document.
            phase("documents: a ten-page plan rendered and signed, beside the same HTML rendered")
            results["documents"] = documents.render_and_sign(samples=3 if args.quick else 5)
        if not wanted & set(SUITE_PHASES):
            wanted = set()
            raise _NothingElse
        phase("starting the suite")
        stack.start()
        if "baselines" in wanted:
            phase("baselines: pika round trip, pgbench, SpiffWorkflow")
            baseline_figures(results, stack, size, args.quick)
        if "throughput" in wanted:
            phase("gateway throughput")
            results["throughput"] = suite.gateway_throughput(
                stack, size["wrk_seconds"], profile_to=ROOT / "var" / "bench"
            )
        if "latency" in wanted:
            phase("end-to-end latency")
            with cpu_profile(stack, results, "latency"):
                results["latency"] = suite.end_to_end_latency(stack, size["latency_samples"], size["rate"])
        if "decisions" in wanted:
            phase("sustained decisions: one of each process, then every consumer and relay twice")
            results["decisions"] = decisions.decisions(
                stack,
                size["decision_plans"],
                size["decision_seconds"],
                profile_dir=ROOT / "var" / "bench" if args.profile else None,
            )
            # The plans the ministry approved were issued: their documents wait for the renderer.
            results["decisions"]["issued_files"] = suite.issued_files(stack)
        if "lists" in wanted:
            phase("lists at scale")
            results["lists"] = suite.lists_at_scale(stack, size["plans"], size["notifications"], size["requests_each"])
        if "tasks" in wanted:
            phase("the task inbox at scale")
            results["tasks"] = suite.task_inbox_at_scale(stack, size["tasks"], size["requests_each"])
        if "overview" in wanted:
            phase("the national overview: 34 provinces × 10 years seeded through the event path")
            results["overview"] = overview.overview_at_scale(stack, size["requests_each"])
    except _NothingElse:
        pass
    finally:
        stack.close()
        controller.stop()

    if args.only:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        if "decisions" in results:
            print(
                render(
                    decision_figures(results["decisions"], results.get("pgbench", {}).get("transactions_per_second"))
                )
            )
        return 0

    table = figures(results)
    results["table"] = table
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for path in (out / f"bench-{stamp}.json", out / "latest.json"):
        path.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(render(table))
    print(f"\nwritten to {out / f'bench-{stamp}.json'}")
    return 0


class _NothingElse(Exception):
    """Only in-process phases were asked for: the suite is not started."""


@contextmanager
def cpu_profile(stack: Stack, results: dict, name: str) -> Iterator[None]:
    """Where the time goes: CPU seconds per process of the suite during a phase."""
    before, started = stack.cpu_seconds(), time.monotonic()
    yield
    after, wall = stack.cpu_seconds(), time.monotonic() - started
    used = {process: round(after[process] - before.get(process, 0.0), 1) for process in after}
    results.setdefault("cpu_seconds", {})[name] = {
        "wall_seconds": round(wall, 1),
        "by_process": dict(sorted(used.items(), key=lambda item: -item[1])),
    }


def baseline_figures(results: dict, stack: Stack, size: dict, quick: bool) -> None:
    results["pika_round_trip"] = baselines.pika_round_trip(stack.env["AMQP_URL"], samples=1000)
    results["pgbench"] = baselines.pgbench_single_row_updates(PG_ADMIN_DSN, seconds=10 if quick else 15)
    ours = approval_step.measure(size["step_samples"])
    spiff = spiff_baseline.measure(size["step_samples"])
    results["approval_step"] = {
        "ours": ours,
        "spiffworkflow": spiff,
        "ratio": round(ours["median_us"] / spiff["median_us"], 3),
    }


def figures(r: dict) -> list[dict]:
    t, lat, step, lists = r["throughput"], r["latency"], r["approval_step"], r["lists"]
    worst = max(lists["p95_ms"], key=lists["p95_ms"].get)
    pika = r["pika_round_trip"]
    rows = [
        ("gateway GET /plans/{id} (req/s)", t["gateway"]["requests_per_second"], "hello-world Flask (req/s)",
         t["hello_world"]["requests_per_second"]),
        ("gateway ÷ hello-world", t["ratio_to_hello_world"], "hello-world Flask (req/s)",
         t["hello_world"]["requests_per_second"]),
        ("gateway ÷ plans service direct", t["ratio_to_plans_direct"], "plans direct (req/s)",
         t["plans_direct"]["requests_per_second"]),
        ("plans direct ÷ hello-world", t["plans_direct_to_hello_world"], "hello-world Flask (req/s)",
         t["hello_world"]["requests_per_second"]),
        ("gateway's own CPU per proxied GET (ms)", t["cpu_ms_per_request"]["gateway_own"],
         "hello-world CPU per request (ms)", t["cpu_ms_per_request"]["hello_world"]),
        ("plans CPU per GET /plans/{id}, direct (ms)", t["cpu_ms_per_request"]["plans_direct"],
         "the same behind the gateway (ms)", t["cpu_ms_per_request"]["plans_behind_the_gateway"]),
        *_profile_rows(t.get("profiles", {})),
        ("submit → task visible p50 (ms)", lat["submit_to_task_visible"].get("p50_ms"), "pika publish→consume p50 (ms)",
         pika["p50_ms"]),
        ("submit → task visible p99 (ms)", lat["submit_to_task_visible"].get("p99_ms"), "pika publish→consume p99 (ms)",
         pika["p99_ms"]),
        ("decision → inbox p50 (ms)", lat["decision_to_drafter_inbox"].get("p50_ms"), "pika publish→consume p50 (ms)",
         pika["p50_ms"]),
        ("decision → inbox p99 (ms)", lat["decision_to_drafter_inbox"].get("p99_ms"), "pika publish→consume p99 (ms)",
         pika["p99_ms"]),
        ("approval step (µs)", round(step["ours"]["median_us"], 1), "SpiffWorkflow step (µs)",
         round(step["spiffworkflow"]["median_us"], 1)),
        ("approval step ÷ SpiffWorkflow", step["ratio"], "SpiffWorkflow step (µs)",
         round(step["spiffworkflow"]["median_us"], 1)),
        ("list p95 at scale (ms, worst)", lists["p95_ms"][worst], "p50 of the same list (ms)",
         lists["p50_ms"][worst]),
        ("plans in the lists", lists["plans"], "notifications in the lists", lists["notifications"]),
        ("10-page plan rendered + signed (s)", r["documents"]["render_and_sign"]["median_s"],
         "same HTML rendered, unsigned (s)", r["documents"]["render_only"]["median_s"]),
        ("GET /overview p95 (ms), 34 provinces × 10 years", r["overview"]["overview_p95_ms"],
         "GET /plans p95, same run (ms)", r["overview"]["plans_list_p95_ms"]),
    ]  # fmt: skip
    table = _rows(rows)
    at = next(n for n, row in enumerate(table) if row["figure"] == "decision → inbox p99 (ms)") + 1
    table[at:at] = decision_figures(r["decisions"], r["pgbench"]["transactions_per_second"])
    tasks = r["tasks"]
    table.insert(
        len(table) - 1,
        {
            "figure": "task inbox p95 at 10,000 tasks (ms, worst)",
            "value": max(tasks["p95_ms"].values()),
            "baseline": "same request, empty inbox p95 (ms)",
            "baseline_value": tasks["baseline_empty_inbox"]["p95_ms"],
            "goal": _verdict("task inbox p95 at 10,000 tasks (ms, worst)", max(tasks["p95_ms"].values())),
        },
    )
    for name, value in tasks["p95_ms"].items():
        table.append({"figure": f"  p95 {name} (ms)", "value": value, "baseline": "p50", "baseline_value":
                      tasks["p50_ms"][name], "goal": ""})  # fmt: skip
    for name, value in lists["p95_ms"].items():
        table.append({"figure": f"  p95 {name} (ms)", "value": value, "baseline": "p50", "baseline_value":
                      lists["p50_ms"][name], "goal": ""})  # fmt: skip
    return table


def _profile_rows(profiles: dict) -> list[tuple]:
    """Where a plan GET's CPU goes (py-spy, by layer): the three largest shares in each process."""
    rows = []
    for process, title in (("plans_direct", "plans"), ("gateway", "gateway")):
        layers = profiles.get(process, {}).get("percent_by_layer", {})
        for layer, share in list(layers.items())[:3]:
            rows.append((f"  plan GET in {title}: {layer} (%)", share, "py-spy samples", profiles[process]["samples"]))
    return rows


def _rows(rows: list[tuple]) -> list[dict]:
    return [
        {"figure": name, "value": value, "baseline": baseline_name, "baseline_value": baseline,
         "goal": _verdict(name, value)}
        for name, value, baseline_name, baseline in rows
    ]  # fmt: skip


def decision_figures(decided: dict, pgbench: float | None = None) -> list[dict]:
    """The decision phase's rows: the rate counted by effects, the CPU per decision of the suite's
    processes (by process) with PostgreSQL, RabbitMQ and the load generator beside it, the same with
    every consumer and relay twice, and the audit."""
    one, twice = decided["one_of_each"], decided["consumers_and_relays_twice"]
    beside, beside_twice = one["cpu"]["beside_per_decision_ms"], twice["cpu"]["beside_per_decision_ms"]
    not_once = sum(one["events_not_handled_once"].values()) + sum(twice["events_not_handled_once"].values())
    table = _rows([
        ("decisions/s (60 s, effects done within +5 s)", one["decisions_per_second"], "pgbench 1-row updates/s",
         pgbench),
        ("  answered 201 in the window (/s)", one["answered_201_per_second"], "recorded, effects not done by +5 s",
         one["recorded_in_window"] - one["effects_done"]),
        ("CPU per decision (ms), suite's processes", one["cpu"]["per_decision_ms"], "PostgreSQL, beside (ms)",
         beside["postgresql"]),
        ("  RabbitMQ, beside (ms per decision)", beside["rabbitmq"], "load generator, beside (CPU-s in window)",
         one["cpu"]["beside_seconds"]["load_generator"]),
        ("  the same over every decision recorded (ms)", one["cpu"].get("per_recorded_decision_ms"),
         "decisions recorded in the window", one["recorded_in_window"]),
        ("  asked to wait (503 catching up, in the window)", one.get("held_back_in_window"),
         "same, consumers and relays ×2", twice.get("held_back_in_window")),
    ])  # fmt: skip
    table += [
        {"figure": f"  {name} (ms per decision)", "value": value, "baseline": "same, consumers and relays ×2 (ms)",
         "baseline_value": _twice_ms(twice, name), "goal": ""}
        for name, value in one["cpu"]["by_process_ms"].items()
        if value
    ]  # fmt: skip
    table += _rows([
        ("decisions/s, consumers and relays ×2", twice["decisions_per_second"], "decisions/s, one of each",
         one["decisions_per_second"]),
        ("CPU per decision (ms), consumers and relays ×2", twice["cpu"]["per_decision_ms"], "PostgreSQL, beside (ms)",
         beside_twice["postgresql"]),
        ("  RabbitMQ, beside (ms per decision)", beside_twice["rabbitmq"], "load generator, beside (CPU-s in window)",
         twice["cpu"]["beside_seconds"]["load_generator"]),
        ("decisions lost", one["lost"] + twice["lost"], "doubled", one["doubled"] + twice["doubled"]),
        ("documents out of order, events not handled once",
         one["documents_out_of_order"] + twice["documents_out_of_order"] + not_once,
         "events out of order on the broker (×2 run)", twice.get("broker_order_violations")),
    ])  # fmt: skip
    return table


def _twice_ms(twice: dict, name: str) -> float | None:
    """A process's CPU per decision in the competing run, its second copy's included."""
    by_process = twice["cpu"]["by_process_ms"]
    values = [value for process, value in by_process.items() if process in (name, f"{name}.2") and value]
    return round(sum(values), 2) if values else None


def _verdict(name: str, value: float | None) -> str:
    goal = GOALS.get(name)
    if not goal or value is None:
        return ""
    op, target = goal
    met = value >= target if op == ">=" else value <= target
    return f"{'met' if met else 'MISSED'} ({op} {target})"


def render(table: list[dict]) -> str:
    header = f"{'figure':48} {'value':>10}   {'baseline':44} {'value':>10}   goal"
    lines = [header, "-" * len(header)]
    for row in table:
        baseline_value = "" if row["baseline_value"] is None else row["baseline_value"]
        lines.append(
            f"{row['figure']:48} {row['value']!s:>10}   {row['baseline']:44} {baseline_value!s:>10}   {row['goal']}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
