"""Opening the governance core for one command, and turning its refusals into messages and exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from watchkeeper.cli import output
from watchkeeper.config import load_settings
from watchkeeper.errors import AlreadyExistsError, InputError, NotFoundError, WatchkeeperError
from watchkeeper.face import VIDEO_OPTIONS, EngineOptions, FaceEngine
from watchkeeper.governance.context import Governance
from watchkeeper.governance.credentials import AuthenticationError
from watchkeeper.governance.deployments import DeploymentError
from watchkeeper.governance.foi import FoiError
from watchkeeper.governance.galleries import GalleryError
from watchkeeper.governance.register import RegisterError
from watchkeeper.governance.roles import PermissionDeniedError, UnknownUserError


@contextmanager
def governed(as_json: bool, video_options: EngineOptions = VIDEO_OPTIONS) -> Iterator[Governance]:
    """The governance core of the configured data directory, analysing video with ``video_options``; any
    Watchkeeper error ends the command with its message (exit 1 for input and permission errors, 3 when
    Watchkeeper itself cannot run)."""
    try:
        settings = load_settings()
        yield Governance.open(settings, video_engine=FaceEngine(video_options, settings))
    except (
        InputError,
        PermissionDeniedError,
        UnknownUserError,
        AuthenticationError,
        GalleryError,
        DeploymentError,
        NotFoundError,
        AlreadyExistsError,
        RegisterError,
        FoiError,
        ValueError,
    ) as error:
        output.fail(_as_error(error), as_json, output.EXIT_BAD_INPUT)
    except WatchkeeperError as error:
        output.fail(error, as_json, output.EXIT_UNAVAILABLE)


def _as_error(error: Exception) -> WatchkeeperError:
    return error if isinstance(error, WatchkeeperError) else InputError("arguments", str(error))


def read_probe(path: Path, as_json: bool) -> bytes:
    """A probe image's bytes, or the command ends naming the file and why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        output.fail(InputError(str(path), error.strerror or str(error)), as_json, output.EXIT_BAD_INPUT)
