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
