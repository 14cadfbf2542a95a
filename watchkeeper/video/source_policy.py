"""Which video sources a request over the network may name: streams and cameras, and files only where the
server's configuration allows.

Whoever types a source into the command line already has the machine; a request to the server does not.
Left open, a run's source would let an operator make the server open any file it can read, or hand FFmpeg
one of its own protocols (``concat:``, ``subfile:``, ...) that reach further still. So a requested source is
a network stream, a camera device under ``/dev``, or an existing file inside one of the directories the
server is configured to take video from; anything else is refused before it reaches FFmpeg.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from watchkeeper.errors import InputError
from watchkeeper.video.sources import SourceKind

_PROTOCOL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
"""A location that starts like ``name:`` is a URL to FFmpeg, not a file name."""


class SourceNotAllowedError(InputError):
    """A requested video source that the server's configuration does not let a request name."""

    code = "source_not_allowed"


def check_requested_source(location: str, video_directories: Sequence[Path]) -> None:
    """Refuse ``location`` unless it is a network stream, a camera device, or an existing file inside one of
    ``video_directories`` (after symbolic links and ``..`` are resolved)."""
    kind = SourceKind.of(location)
    if kind is SourceKind.STREAM:
        return
    if kind is SourceKind.DEVICE:
        if Path(location).resolve().is_relative_to("/dev"):
            return
        raise SourceNotAllowedError(location, "not a device under /dev")
    allowed = ", ".join(str(d) for d in video_directories) or "none configured"
    reason = f"a file source must be a video file in one of the server's video directories ({allowed})"
    if _PROTOCOL.match(location) or not video_directories:
        raise SourceNotAllowedError(location, reason)
    path = Path(location).resolve()
    if not path.is_file() or not any(path.is_relative_to(d.resolve()) for d in video_directories):
        raise SourceNotAllowedError(location, reason)
