"""Fixtures of the plans unit tests (the fakes themselves are in plans_fakes.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra.local.sample_plans import CAO_BANG_2024
from tests.unit.plans.plans_fakes import World


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def body() -> dict[str, Any]:
    """The Cao Bằng 2024 plan (seed 000), a fresh copy per test."""
    return copy.deepcopy(CAO_BANG_2024)
