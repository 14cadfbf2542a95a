"""Secret key files in the data directory's ``keys/``: created once, readable by their owner only.

Written to a temporary file, synced and renamed, so a crash while creating a key never leaves a truncated
key behind that would later sign or decrypt with garbage.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from watchkeeper.private_files import private_directory


def write_private_file(path: Path, content: bytes) -> None:
    """Atomically write ``content`` to ``path`` with mode 0600 (its directory made 0700 as needed)."""
    private_directory(path.parent)
    temporary = path.with_suffix(path.suffix + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def random_key_file(path: Path, size: int) -> bytes:
    """The ``size``-byte random key kept at ``path``, created on first use; a file of another size is
    refused rather than used (it is damaged, or some other file)."""
    if not path.is_file():
        write_private_file(path, secrets.token_bytes(size))
    key = path.read_bytes()
    if len(key) != size:
        raise ValueError(f"{path}: not a {size * 8}-bit key ({len(key)} bytes); restore it from backup")
    return key
