"""Shared fixtures: where the shared face data lives, one engine whose results are reused across tests, and a
governance core per test on its own data directory with a clock the test controls.

Analysing an image costs about a second (HOG detection and dlib's ResNet on a CPU); caching analyses per
session keeps the suite fast without weakening any test.

No test may depend on the machine's speed: hypothesis runs every property without a deadline (its default
200 ms per example failed a property on a loaded machine), and waits elsewhere are hang guards only.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import hypothesis
import pytest

from watchkeeper.config import DATA_DIR_VARIABLE, Settings, load_settings
from watchkeeper.face import EngineOptions, FaceAnalysis, FaceEngine
from watchkeeper.governance import users
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, Role

hypothesis.settings.register_profile("watchkeeper", deadline=None)
hypothesis.settings.load_profile("watchkeeper")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_FACES = PROJECT_ROOT.parent / "shared" / "data" / "faces"
SHARED_CRIME = PROJECT_ROOT.parent / "shared" / "data" / "crime"


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """The shared labelled face images; tests that need them skip, saying why, when they are absent."""
    if not (SHARED_FACES / "labels.csv").is_file():
        pytest.skip(f"shared face data not found at ../shared/data/faces relative to the project ({SHARED_FACES})")
    return SHARED_FACES


@pytest.fixture(scope="session")
def crime_dir() -> Path:
    """The shared recorded-crime files (SOURCES.md beside them); tests that need them skip, saying why, when they
    are absent."""
    if not (SHARED_CRIME / "west-yorkshire").is_dir():
        pytest.skip(f"shared crime data not found at ../shared/data/crime relative to the project ({SHARED_CRIME})")
    return SHARED_CRIME


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data directory for the whole session, so no test writes to the user's own (commands run in-process
    and in subprocesses both read it from the environment)."""
    path = tmp_path_factory.mktemp("watchkeeper-data")
    previous = os.environ.get(DATA_DIR_VARIABLE)
    os.environ[DATA_DIR_VARIABLE] = str(path)
    yield path
    if previous is None:
        del os.environ[DATA_DIR_VARIABLE]
    else:
        os.environ[DATA_DIR_VARIABLE] = previous


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def engine(settings: Settings) -> FaceEngine:
    return FaceEngine(settings=settings)


@pytest.fixture(scope="session")
def analyse(faces_dir: Path, engine: FaceEngine) -> Callable[[str], FaceAnalysis]:
    """Analyse an image given by its path relative to the shared faces folder, once per session."""

    @functools.cache
    def cached(relative: str) -> FaceAnalysis:
        return engine.analyse_file(faces_dir / relative)

    return cached


@pytest.fixture(scope="session")
def boxes_only_engine(settings: Settings) -> FaceEngine:
    return FaceEngine(EngineOptions(compute_descriptors=False), settings)


START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def gov(tmp_path: Path, settings: Settings, engine: FaceEngine, clock: FixedClock) -> Iterator[Governance]:
    """Its own data directory, and the session's face engine (models loaded once for the whole run)."""
    governance = Governance.open(replace(settings, data_dir=tmp_path / "data"), clock, engine=engine)
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


@pytest.fixture
def data_env(tmp_path: Path, settings: Settings) -> dict[str, str]:
    """The environment of a command run with a data directory of its own (the session's built networks
    copied in, so none is rebuilt)."""
    data_dir = tmp_path / "data"
    if settings.model_cache_dir.is_dir():
        shutil.copytree(settings.model_cache_dir, data_dir / "models")
    return {DATA_DIR_VARIABLE: str(data_dir)}
