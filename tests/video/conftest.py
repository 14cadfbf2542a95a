"""Fixtures for the video source tests: the shared example clip and reader-thread hygiene."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.video.videofiles import CLIP, reader_threads, reference_digests
from watchkeeper.video import VideoSource


@pytest.fixture(scope="session")
def clip() -> Path:
    """The shared 640x360, 29.97 fps, 275-frame example clip; tests that need it skip, saying why, without it."""
    if not CLIP.is_file():
        pytest.skip(f"example clip not found at ../shared/data/faces/examples relative to the project ({CLIP})")
    return CLIP


@pytest.fixture(scope="session")
def clip_digests(clip: Path) -> list[str]:
    return reference_digests(clip)


@pytest.fixture(scope="session")
def damaged_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("damaged-video")


@pytest.fixture
def no_leaked_reader_threads() -> Iterator[None]:
    """Fail a test that leaves a source's reader thread running."""
    before = set(reader_threads())
    yield
    leaked = [thread.name for thread in reader_threads() if thread not in before]
    assert not leaked, f"reader threads still running after the test: {leaked}"


@pytest.fixture
def sources() -> Iterator[list[VideoSource]]:
    """Sources a test registers here are stopped even when the test fails, so no thread outlives it."""
    started: list[VideoSource] = []
    yield started
    for source in started:
        source.stop()
