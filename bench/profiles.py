"""Reading py-spy's collapsed stacks (``--format raw``: ``frame;frame;… count`` per line, the
innermost frame last), for the throughput phase's profile of a plan GET and the decision window's
profiles. One reading and one way of naming a frame for both (no I/O: tests/unit/bench)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

# What a sample was doing, by the first frame from the leaf up that belongs to one of these layers
# (named by the module paths their frames come from). Frames of the standard library's sockets,
# selectors and threads belong to whichever layer called them, so they name none.
OWN_PACKAGES = ("plans", "approvals", "notifications", "gateway")
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("psycopg", ("/psycopg/", "/psycopg_pool/")),
    ("SQLAlchemy", ("/sqlalchemy/",)),
    ("upstream client", ("/urllib3/", "/http/client.py")),
    ("JSON and schemas", ("/json/", "/orjson", "jsonbody.py", "/marshmallow/")),
    ("token check", ("servicekit/auth.py", "/jwcrypto/", "/keycloak/", "/cryptography/")),
    ("rate limit", ("/flask_limiter/", "/limits/")),
    ("metrics", ("/prometheus_client/",)),
    ("logging", ("/logging/", "pythonjsonlogger", "gunicorn/glogging.py")),
    # The services' and the gateway's packages, from a checkout (…/src/plans/) or installed.
    ("own code", tuple(f"{root}{package}/" for root in ("/src/", "site-packages/") for package in OWN_PACKAGES)),
    ("servicekit", ("/servicekit/",)),
    ("Flask, werkzeug", ("/flask/", "/werkzeug/")),
    ("WSGI server", ("/gunicorn/", "/granian/")),
)


def stacks(collapsed: Iterable[str]) -> Iterator[tuple[list[str], int]]:
    """Each sampled stack (its frames, outermost first) and how many samples it had. Lines that are
    not stacks are skipped, and so are the root frames ``--subprocesses`` writes alone (a process
    sampled with no Python frame holding the GIL)."""
    for line in collapsed:
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [frame.strip() for frame in stack.split(";")]
        if frames[-1].startswith("process "):
            continue
        yield frames, int(count)


def short_frame(frame: str) -> str:
    """``name (/long/path/site-packages/pkg/mod.py:12)`` as ``name (pkg/mod.py)``."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for anchor in ("site-packages/", "/src/", "/lib/python3"):
        if anchor in path:
            path = path.split(anchor, 1)[1]
            if anchor == "/lib/python3":
                path = path.split("/", 1)[-1]
            break
    return f"{name} ({path})" if path else name


def top_frames(collapsed: Iterable[str], limit: int = 12) -> list[dict]:
    """Self time by function: the innermost frame of each stack, as a share of all samples."""
    samples: Counter[str] = Counter()
    for frames, count in stacks(collapsed):
        samples[short_frame(frames[-1])] += count
    total = sum(samples.values())
    return [
        {"frame": frame, "share_percent": round(100 * count / total, 1), "samples": count}
        for frame, count in samples.most_common(limit)
    ]


def where_time_goes(collapsed: str, top: int = 12) -> dict:
    """Shares of the samples by layer (the innermost frame that belongs to one of LAYERS) and by
    function where they were taken (self time). The samples are of the thread holding the GIL:
    shares of the Python CPU time."""
    by_layer: Counter[str] = Counter()
    total = 0
    for frames, count in stacks(collapsed.splitlines()):
        total += count
        layer = next(
            (name for frame in reversed(frames) for name, markers in LAYERS if any(m in frame for m in markers)),
            "other",
        )
        by_layer[layer] += count
    if not total:
        return {"samples": 0, "percent_by_layer": {}, "percent_self_by_function": {}}
    return {
        "samples": total,
        "percent_by_layer": {name: round(100 * count / total, 1) for name, count in by_layer.most_common()},
        "percent_self_by_function": {
            frame["frame"]: frame["share_percent"] for frame in top_frames(collapsed.splitlines(), top)
        },
    }
