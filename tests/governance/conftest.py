"""A governance core on a fresh data directory per test, with a clock the test controls, and one user of
each role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from watchkeeper.config import Settings
from watchkeeper.face import FaceEngine
from watchkeeper.governance import users
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, Role

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def gov(tmp_path: Path, settings: Settings, engine: FaceEngine, clock: FixedClock) -> Iterator[Governance]:
    """Its own data directory, and the session's face engine (models loaded once for the whole run)."""
    governance = Governance.open(replace(settings, data_dir=tmp_path / "data"), clock)
    governance.engine = engine
    yield governance
    governance.close()


@pytest.fixture
def people(gov: Governance) -> dict[Role, Actor]:
    admin = users.add_user(gov, None, "ada", Role.ADMIN, "first administrator")
    actors = {Role.ADMIN: Actor(admin.name, admin.role)}
    for name, role in (("olu", Role.OPERATOR), ("ann", Role.ANALYST), ("aud", Role.AUDITOR)):
        record = users.add_user(gov, actors[Role.ADMIN], name, role, "staff member")
        actors[role] = Actor(record.name, record.role)
    return actors
