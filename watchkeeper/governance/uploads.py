"""Uploads held as files while a request uses them: in the data directory's ``tmp/``, never the system's.

A footage search needs its video as a file (the decoder reads it as one), so the upload is copied to a
file that is deleted when the request ends. That file is in the data directory (0700, the file 0600), not
in the system's temporary directory, where other users may list it and no retention reaches it. A process
killed mid-request leaves its file behind: the server sweeps them at every start and records how many it
deleted, as an act of retention. Each file is locked while in use, so a sweep by another process on the
same data directory never deletes an upload still being searched.
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from watchkeeper.config import Settings
from watchkeeper.governance.audit.events import UploadsSwept
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import transaction
from watchkeeper.governance.roles import SYSTEM_ACTOR
from watchkeeper.private_files import private_directory

UPLOAD_PREFIX = "upload-"


@contextmanager
def upload_file(settings: Settings, suffix: str) -> Iterator[IO[bytes]]:
    """A new private file in the upload directory, locked while the block runs and deleted after it."""
    directory = private_directory(settings.upload_dir)
    with tempfile.NamedTemporaryFile(dir=directory, prefix=UPLOAD_PREFIX, suffix=suffix) as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield handle


def sweep_uploads(gov: Governance) -> int:
    """Delete the uploads that processes which stopped mid-request left behind (those still locked are in
    use), and record the count in the audit log when there were any; returns the count."""
    directory = gov.settings.upload_dir
    if not directory.is_dir():
        return 0
    swept = sum(_delete_if_unused(path) for path in sorted(directory.iterdir()))
    if swept:
        with transaction(gov.sessions) as session:
            reason = "left behind by a process that stopped during a request"
            gov.audit.append(session, SYSTEM_ACTOR, UploadsSwept(files=swept), reason)
    return swept


def _delete_if_unused(path: Path) -> bool:
    """Delete ``path`` unless another process holds its lock; the lock is held while deleting, so the
    file cannot be taken into use in between."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:  # gone already, a symbolic link, or not a file we can open: not an upload of ours
        return False
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return False
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        path.unlink()
    except (BlockingIOError, FileNotFoundError):  # in use, or another sweep deleted it first
        return False
    finally:
        os.close(descriptor)
    return True
