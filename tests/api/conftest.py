"""One server per test module (starting one costs a second); tests use names of their own within it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.serving import RunningServer, running_server
from watchkeeper.config import Settings
from watchkeeper.face import FaceEngine


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, settings: Settings, engine: FaceEngine) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("server-data"), settings, engine) as running:
        yield running
