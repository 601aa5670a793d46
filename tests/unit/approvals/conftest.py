"""What the approvals use-case tests share: a clock at the moment of the submission and a unit of
work that knows the default chain."""

from __future__ import annotations

from datetime import UTC

import pytest

from .fakes import SUBMITTED, FakeClock, FakeUnitOfWork, default_chain


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SUBMITTED.astimezone(UTC))


@pytest.fixture
def uow() -> FakeUnitOfWork:
    unit = FakeUnitOfWork()
    unit.chains.add(default_chain())
    return unit
