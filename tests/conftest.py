"""Shared fixtures: where the shared face data lives, and one engine whose results are reused across tests.

Analysing an image costs about a second (HOG detection and dlib's ResNet on a CPU); caching analyses per
session keeps the suite fast without weakening any test.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest

from watchkeeper.face import EngineOptions, FaceAnalysis, FaceEngine

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_FACES = PROJECT_ROOT.parent / "shared" / "data" / "faces"


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """The shared labelled face images; tests that need them skip, saying why, when they are absent."""
    if not (SHARED_FACES / "labels.csv").is_file():
        pytest.skip(f"shared face data not found at ../shared/data/faces relative to the project ({SHARED_FACES})")
    return SHARED_FACES


@pytest.fixture(scope="session")
def engine() -> FaceEngine:
    return FaceEngine()


@pytest.fixture(scope="session")
def analyse(faces_dir: Path, engine: FaceEngine) -> Callable[[str], FaceAnalysis]:
    """Analyse an image given by its path relative to the shared faces folder, once per session."""

    @functools.cache
    def cached(relative: str) -> FaceAnalysis:
        return engine.analyse_file(faces_dir / relative)

    return cached


@pytest.fixture(scope="session")
def boxes_only_engine() -> FaceEngine:
    return FaceEngine(EngineOptions(compute_descriptors=False))
