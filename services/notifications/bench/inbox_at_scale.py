"""How fast the inbox answers at a million messages (PostgreSQL).

    python services/notifications/bench/inbox_at_scale.py postgresql://postgres@127.0.0.1:5432/ttdn_bench

Fills the database with ROWS messages spread over READERS readers (a third
read), then times the inbox use cases as the API runs them: the first page,
the next page by cursor, the unread page and the unread count. Prints p50/p95.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from notifications import views
from notifications.domain import commands
from notifications.service_layer.unit_of_work import SqlUnitOfWork
from servicekit.db import Database
from servicekit.process import upgrade_database
from sqlalchemy import text

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

FILL = """
INSERT INTO notifications (id, recipient, event_id, event_type, plan_id, subject, body, link, created_at, read_at)
SELECT md5(i::text)::uuid::text,
       'reader.' || (i % :readers),
       'evt-' || i,
       'approval.task_assigned',
       md5((i / 7)::text)::uuid::text,
       'Kế hoạch chờ phê duyệt (UBND tỉnh): Kế hoạch hoạt động thông tin đối ngoại năm 2024',
       'Kế hoạch “Kế hoạch hoạt động thông tin đối ngoại năm 2024” (Sở VHTTDL Cao Bằng) đang chờ UBND tỉnh phê duyệt.',
       'http://localhost:8000/plans/' || md5((i / 7)::text)::uuid::text,
       now() - make_interval(secs => i),
       CASE WHEN i % 3 = 0 THEN now() END
FROM generate_series(1, :rows) AS i
"""


def timed(db: Database, samples: list[float], use_case: Callable[..., Any], *args: Any) -> Any:
    """Run one use case in its own transaction, as a request does, and record its time in ms."""
    started = time.perf_counter()
    result = use_case(*args, SqlUnitOfWork(db))
    samples.append((time.perf_counter() - started) * 1000)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database_url")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--readers", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    upgrade_database(MIGRATIONS, args.database_url)
    db = Database(args.database_url)
    with db.transaction() as session:
        present = session.scalar(text("SELECT count(*) FROM notifications"))
    if present < args.rows:
        started = time.perf_counter()
        with db.transaction() as session:
            session.execute(text("TRUNCATE notifications"))
            session.execute(text(FILL), {"rows": args.rows, "readers": args.readers})
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE notifications"))
        print(f"filled {args.rows:,} messages in {time.perf_counter() - started:.1f} s")

    timings: dict[str, list[float]] = {"first page": [], "next page": [], "unread page": [], "unread count": []}
    rng = random.Random(2024)
    for _ in range(args.requests):
        reader = f"reader.{rng.randrange(args.readers)}"
        page = timed(db, timings["first page"], views.list_inbox, commands.ListInbox(reader, limit=20))
        next_page = commands.ListInbox(reader, limit=20, cursor=page.next_cursor)
        timed(db, timings["next page"], views.list_inbox, next_page)
        unread = commands.ListInbox(reader, unread_only=True, limit=20)
        timed(db, timings["unread page"], views.list_inbox, unread)
        timed(db, timings["unread count"], views.count_unread, reader)
    for name, samples in timings.items():
        samples.sort()
        p95 = samples[int(len(samples) * 0.95) - 1]
        print(f"{name:>12}: p50 {statistics.median(samples):6.2f} ms   p95 {p95:6.2f} ms   (n={len(samples)})")
    db.dispose()


if __name__ == "__main__":
    main()
