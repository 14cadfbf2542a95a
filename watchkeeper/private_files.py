"""Directories and files only their owner can read: the data directory and everything Watchkeeper keeps in it.

The data directory holds biometric data (the database, the gallery indexes) and secrets (keys), so it is
0700 and its files 0600. The modes are set explicitly, never left to the umask the process inherited (022
on most systems, which makes new files world-readable), and never by changing the umask: it is
process-wide, so changing it inside a threaded server would race with every other file the process
creates. A directory or file that already exists with wider permissions (made by an older version) is
tightened when it is next opened.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from watchkeeper.errors import WatchkeeperError

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


class PrivateStorageError(WatchkeeperError):
    """A directory or file of the data directory cannot be created or made private (e.g. another user's)."""

    code = "storage_unavailable"


def private_directories(path: Path) -> Path:
    """Create ``path`` and any missing parents as 0700 directories; existing ones are left as they are
    (the parent of a data directory, such as ``~/.local/share``, is not Watchkeeper's to change)."""
    missing = [directory for directory in (path, *path.parents) if not directory.exists()]
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIRECTORY_MODE, exist_ok=True)
            _set_mode(directory, DIRECTORY_MODE)
        except OSError as error:
            raise PrivateStorageError(f"{directory}: cannot create the directory ({error.strerror or error})") from None
    return path


def private_directory(path: Path) -> Path:
    """``path`` as a directory of Watchkeeper's own, 0700: created if missing, tightened if it exists."""
    private_directories(path)
    _set_mode(path, DIRECTORY_MODE)
    return path


def private_file(path: Path) -> Path:
    """``path`` as a 0600 file: created empty if missing (before any library opens it, so one that copies
    the file's mode, as SQLite does for its WAL and shared-memory files, copies 0600), tightened if it
    exists."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, FILE_MODE)
    except OSError as error:
        raise PrivateStorageError(f"{path}: cannot create the file ({error.strerror or error})") from None
    try:
        if stat.S_IMODE(os.fstat(descriptor).st_mode) != FILE_MODE:
            os.fchmod(descriptor, FILE_MODE)
    except OSError as error:
        raise PrivateStorageError(f"{path}: cannot make the file private ({error.strerror or error})") from None
    finally:
        os.close(descriptor)
    return path


def restrict_if_present(path: Path) -> None:
    """Make ``path`` 0600 if it exists (a file another program created, or an older version left)."""
    if path.is_file() and not path.is_symlink():
        _set_mode(path, FILE_MODE)


def _set_mode(path: Path, mode: int) -> None:
    try:
        if stat.S_IMODE(path.stat().st_mode) != mode:
            path.chmod(mode)
    except OSError as error:
        raise PrivateStorageError(f"{path}: cannot make it private ({error.strerror or error})") from None
