"""Opening the governance core for one command, and turning its refusals into messages and exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from watchkeeper.cli import output
from watchkeeper.config import load_settings
from watchkeeper.errors import InputError, WatchkeeperError
from watchkeeper.face import VIDEO_OPTIONS, EngineOptions, FaceEngine
from watchkeeper.governance.context import Governance


@contextmanager
def governed(as_json: bool, video_options: EngineOptions = VIDEO_OPTIONS) -> Iterator[Governance]:
    """The governance core of the configured data directory, analysing video with ``video_options``; any
    Watchkeeper error ends the command with its message and its kind's exit code
    (:data:`~watchkeeper.cli.output.EXIT_CODE_BY_KIND`). Any other exception is a bug and ends the command
    with its traceback."""
    try:
        settings = load_settings()
        yield Governance.open(settings, video_engine=FaceEngine(video_options, settings))
    except WatchkeeperError as error:
        output.fail(error, as_json)


def read_probe(path: Path, as_json: bool) -> bytes:
    """A probe image's bytes, or the command ends naming the file and why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        output.fail(InputError(str(path), error.strerror or str(error)), as_json)
