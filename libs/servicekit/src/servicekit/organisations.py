"""A service's copy of the organisation registry, fed by ``organisation.*`` events.

The plans service owns the registry (docs/organisations.md); approvals and notifications keep a
copy in their own database to name an organisation by its name in force on a date, find the
province it belonged to, and follow its successions. Each declares the two tables on its own
``Base`` with :class:`OrganisationCopyMixin` and :class:`SuccessionCopyMixin` (like the outbox).

Keeping the copy (:func:`keep`) is idempotent and indifferent to order: an organisation's row
holds the state of the highest ``version`` received (an older event arriving late changes
nothing), and a succession is kept once by its predecessor, successor and date. Reading it
(:class:`CopiedRegistry`, cached per process by :class:`CachedCopy`) never raises for an id it
does not know: a name falls back to the id, so a copy not fed yet degrades to ids, never to errors.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .contracts import events as contract
from .db import Database, UTCDateTime

# The reasons after which the predecessor no longer exists (a transfer of duties may leave it standing).
ENDING_REASONS = ("merger", "split", "rename")
PROVINCE_LEVELS = ("province", "central_city")
EXTERNAL_INFORMATION = "external_information"


class OrganisationCopyMixin:
    """One row per organisation: the newest state heard (an ``organisation.created`` or
    ``organisation.changed`` payload) and its version."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SuccessionCopyMixin:
    """One row per succession (predecessor, successor, date), from ``organisation.succeeded``."""

    __tablename__ = "organisation_successions"

    predecessor: Mapped[str] = mapped_column(String(64), primary_key=True)
    successor: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(30))
    act: Mapped[str] = mapped_column(String(300), default="")
    duties: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(BigInteger)


ORGANISATION_EVENTS = frozenset(
    {contract.OrganisationCreated.name, contract.OrganisationChanged.name, contract.OrganisationSucceeded.name}
)


def keep(
    session: Session,
    organisation_model: type[OrganisationCopyMixin],
    succession_model: type[SuccessionCopyMixin],
    payload: contract.OrganisationEvent,
) -> list[contract.SuccessionFact]:
    """Apply one event to the copy; the successions it added (none for a state, or for a
    succession already kept)."""
    if isinstance(payload, contract.OrganisationState):
        row = session.get(organisation_model, payload.organisation_id, with_for_update=True)
        state = payload.payload()
        if row is None:
            row = organisation_model()
            row.id, row.version, row.state, row.changed_at = (
                payload.organisation_id,
                payload.version,
                state,
                payload.changed_at,
            )
            session.add(row)
        elif payload.version > row.version:
            row.version, row.state, row.changed_at = payload.version, state, payload.changed_at
        return []
    added: list[contract.SuccessionFact] = []
    if isinstance(payload, contract.OrganisationSucceeded):
        for fact in payload.successions:
            key = (fact.predecessor, fact.successor, fact.day)
            if session.get(succession_model, key) is not None:
                continue
            kept = succession_model()
            kept.predecessor, kept.successor, kept.day = fact.predecessor, fact.successor, fact.day
            kept.reason, kept.act, kept.duties, kept.version = fact.reason, fact.act, list(fact.duties), payload.version
            session.add(kept)
            added.append(fact)
        session.flush()
    return added


def _value_on(values: Iterable[Mapping[str, Any]], day: date) -> Any:
    found: Any = None
    for item in values:
        since = item.get("since")
        if since is None or date.fromisoformat(str(since)) <= day:
            found = item.get("value", item)
    return found


@dataclass(frozen=True)
class CopiedOrganisation:
    """An organisation as the copy holds it (the wire shape of ``organisation.created``)."""

    id: str
    state: Mapping[str, Any]

    @property
    def valid_from(self) -> date | None:
        value = self.state.get("valid_from")
        return date.fromisoformat(value) if value else None

    @property
    def valid_to(self) -> date | None:
        value = self.state.get("valid_to")
        return date.fromisoformat(value) if value else None

    def in_force(self, day: date) -> bool:
        start, end = self.valid_from, self.valid_to
        return (start is None or start <= day) and (end is None or day <= end)

    def name_on(self, day: date) -> Mapping[str, Any]:
        names = list(self.state.get("names") or [])
        named = _value_on(names, day)
        return named or (names[0] if names else {"full": self.id, "short": self.id, "abbreviation": ""})

    def level_on(self, day: date) -> str:
        return str(_value_on(self.state.get("levels") or [], day) or "")

    def parent_on(self, day: date) -> str | None:
        value = _value_on(self.state.get("parents") or [], day)
        return str(value) if value else None

    def explicit_province_on(self, day: date) -> str | None:
        value = _value_on(self.state.get("provinces") or [], day)
        return str(value) if value else None

    def is_province_on(self, day: date) -> bool:
        return self.state.get("kind") == "state" and self.level_on(day) in PROVINCE_LEVELS


class CopiedRegistry:
    """The copy, read: names and provinces on a date, and successions."""

    def __init__(
        self, organisations: Iterable[CopiedOrganisation] = (), successions: Iterable[contract.SuccessionFact] = ()
    ) -> None:
        self._organisations = {organisation.id: organisation for organisation in organisations}
        self.successions = tuple(successions)
        self._outgoing: dict[str, list[contract.SuccessionFact]] = {}
        self._incoming: dict[str, list[contract.SuccessionFact]] = {}
        for fact in self.successions:
            self._outgoing.setdefault(fact.predecessor, []).append(fact)
            self._incoming.setdefault(fact.successor, []).append(fact)

    @classmethod
    def load(
        cls,
        session: Session,
        organisation_model: type[OrganisationCopyMixin],
        succession_model: type[SuccessionCopyMixin],
    ) -> CopiedRegistry:
        organisations = [CopiedOrganisation(row.id, row.state) for row in session.scalars(select(organisation_model))]
        successions = [
            contract.SuccessionFact(
                predecessor=row.predecessor,
                successor=row.successor,
                reason=row.reason,
                day=row.day,
                act=row.act or "",
                duties=tuple(row.duties or ()),
            )
            for row in session.scalars(
                select(succession_model).order_by(
                    succession_model.day, succession_model.predecessor, succession_model.successor
                )
            )
        ]
        return cls(organisations, successions)

    def __contains__(self, organisation_id: object) -> bool:
        return organisation_id in self._organisations

    def __len__(self) -> int:
        return len(self._organisations)

    def get(self, organisation_id: str) -> CopiedOrganisation | None:
        return self._organisations.get(organisation_id)

    def name(self, organisation_id: str | None, day: date, *, short: bool = False) -> str:
        """The organisation's name in force on ``day`` (its last name when it had ended by then,
        its first when it had not begun); the id itself when the copy does not know it."""
        if not organisation_id:
            return ""
        organisation = self._organisations.get(organisation_id)
        if organisation is None:
            return organisation_id
        named = organisation.name_on(day)
        text = named.get("short") if short else named.get("full")
        return str(text or named.get("full") or organisation_id)

    def province_on(self, organisation_id: str, day: date) -> str | None:
        """The province (its People's Committee's id) the organisation belonged to on ``day``."""
        seen: set[str] = set()
        current: str | None = organisation_id
        while current is not None and current not in seen:
            seen.add(current)
            organisation = self._organisations.get(current)
            if organisation is None:
                return None
            if organisation.is_province_on(day):
                return organisation.id
            explicit = organisation.explicit_province_on(day)
            current = explicit if explicit is not None else organisation.parent_on(day)
        return None

    def successions_out(self, organisation_id: str) -> list[contract.SuccessionFact]:
        return list(self._outgoing.get(organisation_id, []))

    def successor_for(self, organisation_id: str, duty: str = EXTERNAL_INFORMATION) -> str | None:
        """Who takes over ``organisation_id``'s work on ``duty`` when it is dissolved: the successor of
        a succession naming the duty, else of one passing all duties; followed to the end when that
        successor was dissolved in turn. ``None`` when there is none, or when a split leaves more
        than one (an administrator then records which one carries the duty)."""
        seen: set[str] = {organisation_id}
        current = organisation_id
        while True:
            chosen = self._carrying(self._outgoing.get(current, []), duty)
            successors = sorted({fact.successor for fact in chosen})
            if len(successors) != 1:
                return None if current == organisation_id else current
            following = successors[0]
            if following in seen:
                return None if current == organisation_id else current
            seen.add(following)
            current = following
            if not self._carrying(self._outgoing.get(current, []), duty):
                return current

    def holders_on(self, organisation_id: str, day: date, duty: str | None = None) -> tuple[str, ...]:
        """Who held this organisation's work (or one ``duty`` of it) on ``day``, following the
        successions forward to a later day or back to an earlier one (the registry's rule)."""
        found: list[str] = []
        seen: set[str] = set()
        pending: list[tuple[str, int]] = [(organisation_id, 0)]
        while pending:
            current, direction = pending.pop(0)
            if current in seen:
                continue
            seen.add(current)
            organisation = self._organisations.get(current)
            outgoing = self._outgoing.get(current, []) if direction >= 0 else []
            incoming = self._incoming.get(current, []) if direction <= 0 else []
            later = [s for s in self._passing(outgoing, duty) if s.day <= day]
            earlier = [s for s in self._passing(incoming, duty) if s.day > day]
            standing = organisation is not None and organisation.in_force(day)
            if standing:
                earlier = [s for s in earlier if duty is not None and duty in s.duties]
            if later:
                pending.extend((s.successor, 1) for s in later)
            elif earlier:
                pending.extend((s.predecessor, -1) for s in earlier)
            elif standing:
                found.append(current)
        return tuple(found)

    @staticmethod
    def _passing(successions: list[contract.SuccessionFact], duty: str | None) -> list[contract.SuccessionFact]:
        if duty is None:
            return [s for s in successions if not s.duties]
        named = [s for s in successions if duty in s.duties]
        return named or [s for s in successions if not s.duties]

    @staticmethod
    def _carrying(successions: list[contract.SuccessionFact], duty: str) -> list[contract.SuccessionFact]:
        ending = [s for s in successions if s.reason in ENDING_REASONS or duty in s.duties]
        named = [s for s in ending if duty in s.duties]
        return named or [s for s in ending if not s.duties]


class CopyStore:
    """The copy's tables in one session (the caller's transaction): keep an event, read the copy."""

    def __init__(
        self,
        session: Session,
        organisation_model: type[OrganisationCopyMixin],
        succession_model: type[SuccessionCopyMixin],
    ) -> None:
        self.session = session
        self.models = (organisation_model, succession_model)

    def keep(self, payload: contract.OrganisationEvent) -> list[contract.SuccessionFact]:
        return keep(self.session, *self.models, payload)

    def registry(self) -> CopiedRegistry:
        return CopiedRegistry.load(self.session, *self.models)


class MemoryCopyStore:
    """The same in memory, for tests: the same rules (the newest version wins, a succession once)."""

    def __init__(self) -> None:
        self.states: dict[str, tuple[int, dict[str, Any]]] = {}
        self.successions: dict[tuple[str, str, date], contract.SuccessionFact] = {}

    def keep(self, payload: contract.OrganisationEvent) -> list[contract.SuccessionFact]:
        if isinstance(payload, contract.OrganisationState):
            kept = self.states.get(payload.organisation_id)
            if kept is None or payload.version > kept[0]:
                self.states[payload.organisation_id] = (payload.version, payload.payload())
            return []
        added = []
        if isinstance(payload, contract.OrganisationSucceeded):
            for fact in payload.successions:
                key = (fact.predecessor, fact.successor, fact.day)
                if key not in self.successions:
                    self.successions[key] = fact
                    added.append(fact)
        return added

    def registry(self) -> CopiedRegistry:
        return CopiedRegistry(
            (CopiedOrganisation(key, state) for key, (_, state) in self.states.items()),
            (self.successions[key] for key in sorted(self.successions, key=lambda k: (k[2], k[0], k[1]))),
        )


class CachedCopy:
    """The copy a process reads, loaded again when it changed (looked at every ``ttl`` seconds at
    most, and at once after :meth:`refresh`, which the process that changed it calls)."""

    def __init__(
        self,
        db: Database,
        organisation_model: type[OrganisationCopyMixin],
        succession_model: type[SuccessionCopyMixin],
        *,
        ttl: float = 5.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db, self.ttl, self.now = db, ttl, now
        self.models = (organisation_model, succession_model)
        self._lock = threading.Lock()
        self._copy: CopiedRegistry | None = None
        self._version: tuple[int, int, int] | None = None
        self._checked = 0.0

    def __call__(self) -> CopiedRegistry:
        with self._lock:
            if self._copy is not None and self.now() - self._checked < self.ttl:
                return self._copy
            organisation_model, succession_model = self.models
            # Outside any transaction: the caller's own unit of work may be open (Database.reading).
            with self.db.reading() as session:
                version = (
                    int(session.scalar(select(func.coalesce(func.max(organisation_model.version), 0))) or 0),
                    int(session.scalar(select(func.coalesce(func.max(succession_model.version), 0))) or 0),
                    int(session.scalar(select(func.count()).select_from(succession_model)) or 0),
                )
                if self._copy is None or version != self._version:
                    self._copy = CopiedRegistry.load(session, organisation_model, succession_model)
                    self._version = version
            self._checked = self.now()
            return self._copy

    def refresh(self) -> None:
        with self._lock:
            self._copy = None
