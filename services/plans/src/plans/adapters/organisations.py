"""The organisation registry in the plans database: each organisation as a record in the seed
file's shape, the successions, and every change to either (docs/organisations.md).

``sync_seed`` adds what the seed files hold and the tables lack (run by ``ttdn-plans migrate``);
it never overwrites a row, so what an administrator changed through the API stays.
``CachedRegistry`` is how a process reads the registry: built from the tables, rebuilt when
they change (checked at most every few seconds), and the seed files' own while the tables are
empty (a database not migrated by the command, such as a test's).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from servicekit.contracts.events import OrganisationEvent, OrganisationSucceeded, aggregate_of
from servicekit.db import Database
from servicekit.events import new_event
from servicekit.outbox import record_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.organisation_events import (
    OrganisationChanged,
    OrganisationCreated,
    state_event,
    succeeded_event,
    succession_fact,
)
from ..domain.organisation_registry import OrganisationRegistry, Succession
from ..domain.organisation_seed import (
    load_seed,
    organisation_from_record,
    plain,
    registry_from_data,
    seed_data,
    successions_from_record,
)
from .orm import OrganisationChangeRow, OrganisationRow, OrganisationSuccessionRow, Outbox

EVENT_SOURCE = "/ttdn/plans"

SEED = "seed"
ADMIN = "admin"


def succession_record(succession: Succession) -> dict[str, Any]:
    return {
        "predecessor": succession.predecessor,
        "successor": succession.successor,
        "reason": succession.reason,
        "date": succession.day.isoformat(),
        "act": succession.act,
        "duties": list(succession.duties),
    }


class OrganisationStore:
    """The registry's tables, in one session (the caller's transaction). Every change leaves its
    ``organisation.*`` event in ``events``, which the unit of work writes to the outbox with it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.events: list[OrganisationEvent] = []

    def data(self) -> dict[str, list[Any]]:
        organisations = [row.record for row in self.session.scalars(select(OrganisationRow).order_by("id"))]
        successions = [
            {
                "predecessor": row.predecessor,
                "successor": row.successor,
                "reason": row.reason,
                "date": row.day.isoformat(),
                "act": row.act,
                "duties": list(row.duties or []),
            }
            for row in self.session.scalars(
                select(OrganisationSuccessionRow).order_by("day", "predecessor", "successor")
            )
        ]
        return {"organisations": organisations, "successions": successions}

    def registry(self) -> OrganisationRegistry:
        """The registry as the tables hold it; the seed files' while they are empty."""
        data = self.data()
        return registry_from_data(data) if data["organisations"] else load_seed()

    def version(self) -> tuple[int, int]:
        """Changes so far (and organisations): what a cached registry compares."""
        changes = self.session.scalar(select(func.coalesce(func.max(OrganisationChangeRow.seq), 0))) or 0
        count = self.session.scalar(select(func.count()).select_from(OrganisationRow)) or 0
        return int(changes), int(count)

    def record(self, organisation_id: str) -> OrganisationRow | None:
        return self.session.get(OrganisationRow, organisation_id)

    def put(self, record: dict[str, Any], *, source: str, by: str, at: datetime) -> str:
        """Add or replace one organisation's record, keeping the change; "created" or "updated"."""
        record = plain(record)
        row = self.session.get(OrganisationRow, record["id"])
        before = dict(row.record) if row is not None else None
        if row is None:
            self.session.add(
                OrganisationRow(id=record["id"], record=record, source=source, updated_at=at, updated_by=by)
            )
            kind = "seeded" if source == SEED else "created"
        else:
            row.record, row.source, row.updated_at, row.updated_by = record, source, at, by
            kind = "updated"
        version = self._change(record["id"], kind, before, record, by, at)
        event_class = OrganisationChanged if kind == "updated" else OrganisationCreated
        self.events.append(state_event(event_class, organisation_from_record(record), version=version, at=at, by=by))
        return kind

    def add_succession(self, succession: Succession, *, source: str, by: str, at: datetime) -> bool:
        """Record a succession once (the same predecessor, successor and day again changes nothing)."""
        key = (succession.predecessor, succession.successor, succession.day)
        if self.session.get(OrganisationSuccessionRow, key) is not None:
            return False
        self.session.add(
            OrganisationSuccessionRow(
                predecessor=succession.predecessor,
                successor=succession.successor,
                day=succession.day,
                reason=succession.reason,
                act=succession.act,
                duties=list(succession.duties),
                source=source,
                recorded_at=at,
                recorded_by=by,
            )
        )
        after = succession_record(succession)
        version = self._change(succession.predecessor, "succession_recorded", None, after, by, at)
        if succession.successor != succession.predecessor:
            version = self._change(succession.successor, "succession_recorded", None, after, by, at)
        self._announce_succession(succession, version, at, by)
        return True

    def _announce_succession(self, succession: Succession, version: int, at: datetime, by: str) -> None:
        """One ``organisation.succeeded`` per predecessor and change: a split recorded at once (several
        successors) is one event naming every successor."""
        last = self.events[-1] if self.events else None
        if isinstance(last, OrganisationSucceeded) and last.organisation_id == succession.predecessor:
            self.events[-1] = OrganisationSucceeded(
                organisation_id=last.organisation_id,
                version=version,
                changed_at=at,
                changed_by=by,
                successions=(*last.successions, succession_fact(succession)),
            )
        else:
            self.events.append(succeeded_event(succession.predecessor, [succession], version=version, at=at, by=by))

    def publish_all(self, *, at: datetime, by: str) -> int:
        """Every organisation's state (``organisation.changed``) and every predecessor's successions
        (``organisation.succeeded``) again, each with its latest change number: for a copy that is
        new or was lost. Copies keep what they have when the number is not newer."""
        latest = dict(
            self.session.execute(
                select(OrganisationChangeRow.organisation_id, func.max(OrganisationChangeRow.seq)).group_by(
                    OrganisationChangeRow.organisation_id
                )
            ).all()
        )
        count = 0
        for row in self.session.scalars(select(OrganisationRow).order_by("id")):
            version = int(latest.get(row.id) or 1)
            organisation = organisation_from_record(row.record)
            self.events.append(state_event(OrganisationChanged, organisation, version=version, at=at, by=by))
            count += 1
        outgoing: dict[str, list[Succession]] = {}
        for record in self.data()["successions"]:
            for succession in successions_from_record(record):
                outgoing.setdefault(succession.predecessor, []).append(succession)
        for predecessor, successions in sorted(outgoing.items()):
            version = int(latest.get(predecessor) or 1)
            self.events.append(succeeded_event(predecessor, successions, version=version, at=at, by=by))
            count += 1
        return count

    def changes(self, organisation_id: str) -> list[dict[str, Any]]:
        rows = self.session.scalars(
            select(OrganisationChangeRow)
            .where(OrganisationChangeRow.organisation_id == organisation_id)
            .order_by(OrganisationChangeRow.seq)
        )
        return [
            {
                "kind": row.kind,
                "before": row.before,
                "after": row.after,
                "changed_at": row.changed_at,
                "changed_by": row.changed_by,
            }
            for row in rows
        ]

    def _change(self, organisation_id: str, kind: str, before: Any, after: Any, by: str, at: datetime) -> int:
        """Keep the change; its number (the version its event carries)."""
        row = OrganisationChangeRow(
            organisation_id=organisation_id, kind=kind, before=before, after=after, changed_at=at, changed_by=by
        )
        self.session.add(row)
        self.session.flush()
        return int(row.seq)


def write_events(session: Session, events: list[OrganisationEvent]) -> None:
    """The registry's events into the plans outbox, in the caller's transaction (outside a unit of
    work: the seeding at migrate, the publish command)."""
    while events:
        event = events.pop(0)
        record_event(
            session,
            Outbox,
            new_event(event.name, source=EVENT_SOURCE, subject=aggregate_of(event), data=event.payload()),
        )


def sync_seed(db: Database, *, at: datetime, by: str = "seed") -> tuple[int, int]:
    """Add the seed files' organisations and successions that the tables lack (checked together
    with what is stored first, so a file that breaks the registry adds nothing); never overwrite.
    Returns (organisations added, successions added)."""
    data = seed_data()
    with db.transaction() as session:
        store = OrganisationStore(session)
        stored = store.data()
        known = {record["id"] for record in stored["organisations"]}
        new_organisations = [
            plain(r) for r in data["organisations"] if isinstance(r, dict) and r.get("id") not in known
        ]
        seeded = registry_from_data(
            {
                "organisations": [*stored["organisations"], *new_organisations],
                "successions": [*stored["successions"], *plain(data["successions"])],
            }
        )
        for record in new_organisations:
            store.put(record, source=SEED, by=by, at=at)
        added = 0
        # By predecessor (stable: the file's order within one), so each predecessor's are one event.
        for succession in sorted(seeded.successions, key=lambda s: s.predecessor):
            added += store.add_succession(succession, source=SEED, by=by, at=at)
        # The copies in approvals and notifications hear of what was added (docs/events.md).
        write_events(session, store.events)
        return len(new_organisations), added


def publish_registry(db: Database, *, at: datetime, by: str = "system") -> int:
    """Write the whole registry to the outbox again (``ttdn-plans organisations-publish``)."""
    with db.transaction() as session:
        store = OrganisationStore(session)
        count = store.publish_all(at=at, by=by)
        write_events(session, store.events)
        return count


class CachedRegistry:
    """The registry a process reads, rebuilt when the tables change (looked at every ``ttl`` s)."""

    def __init__(self, db: Database, *, ttl: float = 5.0, now: Callable[[], float] = time.monotonic) -> None:
        self.db, self.ttl, self.now = db, ttl, now
        self._lock = threading.Lock()
        self._registry: OrganisationRegistry | None = None
        self._version: tuple[int, int] | None = None
        self._checked = 0.0

    def __call__(self) -> OrganisationRegistry:
        with self._lock:
            if self._registry is not None and self.now() - self._checked < self.ttl:
                return self._registry
            # Outside any transaction: the caller's own unit of work may be open (see Database.reading).
            with self.db.reading() as session:
                store = OrganisationStore(session)
                version = store.version()
                if self._registry is None or version != self._version:
                    self._registry, self._version = store.registry(), version
            self._checked = self.now()
            return self._registry

    def refresh(self) -> None:
        """Forget the cached registry (after this process changed it)."""
        with self._lock:
            self._registry = None
