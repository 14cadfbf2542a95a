"""Built ONNX models kept on disk, keyed by the SHA-256 of the dlib file they were built from.

Building the ResNet graph takes a fraction of a second but is pure waste on every start, so the result is
cached in a directory the caller chooses. The file name carries the builder's name and version and the
source file's hash, so a changed model file or a changed builder never reuses a stale graph. Files are
written atomically (temporary file, then ``os.replace``) so a crash or a concurrent process never leaves a
half-written model under the final name; a cached file that does not load and check cleanly is rebuilt.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import onnx

from watchkeeper.errors import ModelError
from watchkeeper.networks.dlib_reader import DlibNetwork, read_network
from watchkeeper.networks.hashing import file_sha256
from watchkeeper.private_files import PrivateStorageError, private_directories

SOURCE_HASH_KEY = "watchkeeper.source_sha256"
"""Metadata entry recording which dlib file a cached model came from (checked on every load)."""

Builder = Callable[[DlibNetwork], onnx.ModelProto]


def cached_model_path(cache_dir: Path, source: Path, builder_name: str) -> Path:
    """Where the model built by ``builder_name`` from the current contents of ``source`` is cached."""
    return cache_dir / f"{builder_name}-{file_sha256(source)}.onnx"


def ensure_cached_model(cache_dir: Path, source: Path, builder_name: str, build: Builder) -> Path:
    """The path of a valid cached ONNX model for ``source``, building and writing it first if needed.

    ``builder_name`` should change whenever the builder's output would (it is part of the file name).
    """
    source_hash = file_sha256(source)
    target = cache_dir / f"{builder_name}-{source_hash}.onnx"
    if target.is_file() and _is_valid(target, source_hash):
        return target
    network = read_network(source)
    if network.sha256 != source_hash:
        raise ModelError(f"{source}: model file changed while it was being read; try again")
    model = build(network)
    model.metadata_props.add(key=SOURCE_HASH_KEY, value=source_hash)
    _write_atomically(target, model.SerializeToString())
    return target


def _is_valid(path: Path, source_hash: str) -> bool:
    """The file parses, passes ONNX's checker and says it was built from ``source_hash``.

    The metadata entry is serialised last, so a file cut short anywhere loses it and is rebuilt.
    """
    try:
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
    except Exception:  # any failure to load, whatever its kind, means "rebuild"
        return False
    recorded = {entry.key: entry.value for entry in model.metadata_props}
    return recorded.get(SOURCE_HASH_KEY) == source_hash


def _write_atomically(target: Path, data: bytes) -> None:
    try:
        private_directories(target.parent)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except PrivateStorageError as error:
        raise ModelError(f"cannot write the model cache: {error}") from None
    except OSError as error:
        raise ModelError(f"{target.parent}: cannot write the model cache ({error.strerror or error})") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise ModelError(f"{target}: cannot write the cached model ({error.strerror or error})") from None
