"""Content hashes of model files: what identifies a model, whatever its path or modification time."""

from __future__ import annotations

import hashlib
from pathlib import Path

from watchkeeper.errors import ModelError


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks so large files do not need to fit in memory twice."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as error:
        raise ModelError(f"{path}: cannot read model file ({error.strerror or error})") from None
    return digest.hexdigest()


def verify_sha256(path: Path, expected: str, published_name: str, remedy: str) -> None:
    """Raise :class:`ModelError` unless the file at ``path`` is the published file ``published_name``, whose
    SHA-256 is ``expected``; the message ends with ``remedy`` (what the user should do). Model formats carry
    no checksum of their own: a flipped bit in a weight still loads, as a slightly different network."""
    actual = file_sha256(path)
    if actual != expected:
        raise ModelError(
            f"{path}: not the published {published_name} (SHA-256 {actual[:16]}..., expected {expected[:16]}...); "
            f"the file is damaged or was replaced; {remedy}"
        )
