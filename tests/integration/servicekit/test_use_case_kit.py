"""The pieces every service writes its use cases with: the unit of work (commit or
nothing, the aggregates' events to the outbox in the same transaction, joining a
transaction it is given), the message bus (dependencies bound by name, once), the
declared table from domain errors to problem types, and the UTC column type."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from flask import Flask
from servicekit.db import Database, UTCDateTime, declarative_base
from servicekit.messagebus import MessageBus
from servicekit.outbox import OutboxMixin
from servicekit.problems import ProblemType, register_problem_table
from servicekit.unit_of_work import SqlAlchemyUnitOfWork
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

Base = declarative_base()


class Outbox(OutboxMixin, Base):
    pass


class Register(Base):
    __tablename__ = "register"
    issuer: Mapped[str] = mapped_column(String(40), primary_key=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class NumberIssued:
    issuer: str
    name = "register.number_issued"

    @property
    def subject(self) -> str:
        return f"registers/{self.issuer}"

    def data(self) -> dict[str, Any]:
        return {"issuer": self.issuer}


@dataclass
class Book:
    issuer: str
    events: list[Any] = field(default_factory=list)


class RegisterUnitOfWork(SqlAlchemyUnitOfWork):
    event_source = "/ttdn/tests"
    outbox_model = Outbox

    def start(self, session: Session) -> None:
        self.books: list[Book] = []

    def touched(self) -> list[Book]:
        return self.books


@dataclass(frozen=True)
class IssueNumber:
    issuer: str
    fail: bool = False


class NotAnIssuer(Exception):
    pass


def issue_number(command: IssueNumber, uow: RegisterUnitOfWork, *, clock: Any) -> str:
    with uow:
        uow.session.add(Register(issuer=command.issuer, issued_at=clock()))
        uow.books.append(Book(command.issuer, [NumberIssued(command.issuer)]))
        if command.fail:
            raise NotAnIssuer(command.issuer)
    return command.issuer


ICT = timezone(timedelta(hours=7))
AT = datetime(2024, 3, 1, 9, 30, tzinfo=ICT)


@pytest.fixture
def db(tmp_path: Any) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'kit.db'}")
    Base.metadata.create_all(database.engine)
    return database


def counts(db: Database) -> tuple[int, int]:
    with db.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(Register)) or 0,
            session.scalar(select(func.count()).select_from(Outbox)) or 0,
        )


def test_a_use_case_commits_its_state_and_events_together_or_nothing(db: Database) -> None:
    bus = MessageBus(lambda: RegisterUnitOfWork(db), {IssueNumber: issue_number}, {"clock": lambda: AT})
    assert bus.handle(IssueNumber("ubnd-cao-bang")) == "ubnd-cao-bang"
    with pytest.raises(NotAnIssuer):
        bus.handle(IssueNumber("ubnd-thai-nguyen-2025", fail=True))
    assert counts(db) == (1, 1)
    with db.transaction() as session:
        (row,) = session.scalars(select(Outbox)).all()
        assert (row.event_type, row.aggregate_id) == ("vn.ttdn.register.number_issued", "registers/ubnd-cao-bang")
        # Stored in UTC and handed back aware, on SQLite too.
        assert session.scalars(select(Register.issued_at)).one() == datetime(2024, 3, 1, 2, 30, tzinfo=UTC)


def test_a_unit_of_work_given_a_session_joins_its_transaction(db: Database) -> None:
    bus = MessageBus(lambda: RegisterUnitOfWork(db), {IssueNumber: issue_number}, {"clock": lambda: AT})
    with pytest.raises(RuntimeError), db.transaction() as session:  # the consumer's transaction
        bus.handle(IssueNumber("ubnd-cao-bang"), RegisterUnitOfWork(session=session))
        assert session.scalar(select(func.count()).select_from(Outbox)) == 1  # written in the caller's transaction
        raise RuntimeError("the consumer fails after the handler")
    assert counts(db) == (0, 0)


def test_the_bus_binds_dependencies_by_name_and_refuses_a_missing_one(db: Database) -> None:
    with pytest.raises(TypeError, match="clock"):
        MessageBus(lambda: RegisterUnitOfWork(db), {IssueNumber: issue_number}, {})
    bus = MessageBus(lambda: RegisterUnitOfWork(db), {IssueNumber: issue_number}, {"clock": lambda: AT})
    with pytest.raises(LookupError):
        bus.handle(object())


def test_the_declared_table_answers_each_error_by_its_nearest_class() -> None:
    class PlanError(Exception):
        pass

    class PlanInvalid(PlanError):
        def __init__(self) -> None:
            super().__init__("Kế hoạch vi phạm quy tắc.")
            self.errors = {"year": ["phải từ 2000 đến 2100"]}

    app = Flask(__name__)
    register_problem_table(
        app,
        {
            PlanError: ProblemType(400, "Bad request"),
            PlanInvalid: ProblemType(422, "Validation failed", "validation-error", errors=lambda e: e.errors),  # type: ignore[attr-defined]
        },
    )

    @app.get("/invalid")
    def invalid() -> str:
        raise PlanInvalid()

    @app.get("/other")
    def other() -> str:
        raise PlanError("Không rõ.")

    client = app.test_client()
    answer = client.get("/invalid")
    assert (answer.status_code, answer.content_type) == (422, "application/problem+json")
    assert answer.json == {
        "type": "urn:ttdn:problem:validation-error",
        "title": "Validation failed",
        "status": 422,
        "detail": "Kế hoạch vi phạm quy tắc.",
        "errors": {"year": ["phải từ 2000 đến 2100"]},
    }
    assert client.get("/other").json["type"] == "urn:ttdn:problem:bad-request"
