"""The known history of known_history.py, built once per test on a clock starting in 2021."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reports.known_history import Story, at, build_history
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, Role


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at(2021, 1, 4))


@pytest.fixture
def story(gov: Governance, people: dict[Role, Actor], clock: FixedClock, faces_dir: Path) -> Iterator[Story]:
    built = build_history(gov, people, clock, faces_dir)
    yield built
    built.gov.close()
