"""Deployments on the real clip: a data directory per test, the session's networks, the CNN detector."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from watchkeeper.config import Settings
from watchkeeper.face import DetectorKind, EngineOptions, FaceEngine
from watchkeeper.governance import users
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, Role


@pytest.fixture(scope="session")
def cnn_engine(settings: Settings) -> FaceEngine:
    """The MMOD detector finds Alex Lacamoire, who is seen turned away; the HOG does not."""
    return FaceEngine(EngineOptions(detector=DetectorKind.CNN), settings)


@pytest.fixture
def live_gov(tmp_path: Path, settings: Settings, cnn_engine: FaceEngine) -> Iterator[Governance]:
    """Photographs (enrolment, probes) and video both analysed with the CNN engine."""
    gov = Governance.open(replace(settings, data_dir=tmp_path / "data"), engine=cnn_engine, video_engine=cnn_engine)
    yield gov
    gov.close()


@pytest.fixture
def operator(live_gov: Governance) -> Actor:
    admin = users.resolve_actor(live_gov, users.add_user(live_gov, None, "ada", Role.ADMIN, "first").name)
    record = users.add_user(live_gov, admin, "olu", Role.OPERATOR, "control room")
    return users.resolve_actor(live_gov, record.name)
