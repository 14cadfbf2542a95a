"""The index file: a checked header, then raw arrays, written atomically.

An index is a derived copy of the database, so the file's only jobs are to load fast and to say plainly
when it cannot be trusted; the caller then rebuilds it from the database. Layout::

    b"WKINDEX\\0"                      8 bytes, the magic
    header length                      4 bytes, little-endian uint32
    header                             UTF-8 JSON: format, kind, dim, count, fingerprint, params, the
                                       sections (name, dtype, shape, byte length) and the payload's SHA-256
    header CRC-32                      4 bytes, little-endian uint32, of the header bytes
    payload                            the sections' bytes, in order

The ``fingerprint`` is the caller's stamp of what the index reflects (Watchkeeper passes the gallery and
its revision), returned on load so a stale file is recognised without trusting its contents. A file that
is missing, shorter or longer than its header says, whose header or payload checksum fails, or that is not
an index file at all raises :class:`IndexFileError`. Writing goes to a temporary file in the same directory,
is flushed to disk, then renamed over the target, so a crash leaves the old file or the new one, never half
of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import struct
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from watchkeeper.matching.base import IndexFileError, IndexKind

MAGIC = b"WKINDEX\0"
FORMAT_VERSION = 1
_MAX_HEADER_BYTES = 1 << 20
_READ_CHUNK = 64 << 20


@dataclass(frozen=True, slots=True)
class IndexFile:
    """What the header says about an index: enough to decide, without reading the payload, if it is stale."""

    kind: IndexKind
    dim: int
    count: int
    fingerprint: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Section:
    """One named array of the payload."""

    name: str
    array: NDArray[Any]


def write_index_file(path: str | os.PathLike[str], header: IndexFile, sections: list[Section]) -> None:
    """Write ``sections`` under ``header`` to ``path`` atomically (temporary file, fsync, rename)."""
    if not isinstance(header.fingerprint, str):
        raise TypeError(f"fingerprint: expected str, got {type(header.fingerprint).__name__}")
    target = Path(path)
    arrays = [np.ascontiguousarray(s.array) for s in sections]
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(_bytes_of(array))
    header_bytes = _encode_header(header, sections, arrays, digest.hexdigest())
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(MAGIC + struct.pack("<I", len(header_bytes)) + header_bytes)
            out.write(struct.pack("<I", zlib.crc32(header_bytes)))
            for array in arrays:
                out.write(_bytes_of(array))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(target.parent)


def read_index_header(path: str | os.PathLike[str]) -> IndexFile:
    """The header of the index file at ``path``, checked, without reading the payload."""
    with _open(path) as source:
        return _read_header(path, source)[0]


def read_index_file(
    path: str | os.PathLike[str], expected_kind: IndexKind | None = None
) -> tuple[IndexFile, dict[str, NDArray[Any]]]:
    """The header and the arrays of the index file at ``path``, every byte checked against its checksums."""
    with _open(path) as source:
        header, sections, payload_sha256 = _read_header(path, source)
        if expected_kind is not None and header.kind != expected_kind:
            raise IndexFileError(path, f"holds a {header.kind.value} index, not {expected_kind.value}")
        expected_size = source.tell() + sum(length for _, _, _, length in sections)
        actual_size = os.fstat(source.fileno()).st_size
        if actual_size != expected_size:
            raise IndexFileError(path, f"truncated or padded: {actual_size} bytes, the header says {expected_size}")
        digest = hashlib.sha256()
        arrays = {
            name: _read_array(path, source, dtype, shape, length, digest) for name, dtype, shape, length in sections
        }
    if digest.hexdigest() != payload_sha256:
        raise IndexFileError(path, "corrupt: the payload does not match its SHA-256")
    return header, arrays


def _encode_header(header: IndexFile, sections: list[Section], arrays: list[NDArray[Any]], sha256: str) -> bytes:
    document = {
        "format": FORMAT_VERSION,
        "kind": header.kind.value,
        "dim": header.dim,
        "count": header.count,
        "fingerprint": header.fingerprint,
        "params": header.params,
        "sections": [
            {"name": s.name, "dtype": a.dtype.str, "shape": list(a.shape), "length": a.nbytes}
            for s, a in zip(sections, arrays, strict=True)
        ],
        "payload_sha256": sha256,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


@contextlib.contextmanager
def _open(path: str | os.PathLike[str]) -> Any:
    try:
        with open(path, "rb") as source:
            yield source
    except FileNotFoundError as error:
        raise IndexFileError(path, "no such file") from error
    except IsADirectoryError as error:
        raise IndexFileError(path, "is a directory") from error
    except PermissionError as error:
        raise IndexFileError(path, "permission denied") from error
    except OSError as error:  # any other reason it cannot be read: rebuilt from the database, like the rest
        raise IndexFileError(path, error.strerror or str(error)) from error


def _read_exactly(path: str | os.PathLike[str], source: io.BufferedReader, size: int, what: str) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise IndexFileError(path, f"truncated: the file ends inside the {what}")
    return data


Layout = list[tuple[str, np.dtype[Any], tuple[int, ...], int]]


def _read_header(path: str | os.PathLike[str], source: io.BufferedReader) -> tuple[IndexFile, Layout, str]:
    if _read_exactly(path, source, len(MAGIC), "magic number") != MAGIC:
        raise IndexFileError(path, "not a Watchkeeper index file (wrong magic number)")
    (length,) = struct.unpack("<I", _read_exactly(path, source, 4, "header length"))
    if length > _MAX_HEADER_BYTES:
        raise IndexFileError(path, f"corrupt: header length {length} is implausible")
    header_bytes = _read_exactly(path, source, length, "header")
    (crc,) = struct.unpack("<I", _read_exactly(path, source, 4, "header checksum"))
    if crc != zlib.crc32(header_bytes):
        raise IndexFileError(path, "corrupt: the header does not match its CRC-32")
    try:
        return _parse_header(json.loads(header_bytes))
    except (ValueError, TypeError, KeyError) as error:
        raise IndexFileError(path, f"unsupported or malformed header: {error}") from error


def _parse_header(document: dict[str, Any]) -> tuple[IndexFile, Layout, str]:
    if document["format"] != FORMAT_VERSION:
        raise ValueError(f"format {document['format']!r}, this version reads {FORMAT_VERSION}")
    header = IndexFile(
        kind=IndexKind(document["kind"]),
        dim=_non_negative_int(document["dim"], "dim"),
        count=_non_negative_int(document["count"], "count"),
        fingerprint=_string(document["fingerprint"], "fingerprint"),
        params=dict(document["params"]),
    )
    layout: Layout = []
    for entry in document["sections"]:
        dtype = np.dtype(_string(entry["dtype"], "dtype"))
        shape = tuple(_non_negative_int(s, "shape") for s in entry["shape"])
        length = _non_negative_int(entry["length"], "length")
        if dtype.hasobject or int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != length:
            raise ValueError(f"section {entry['name']!r}: {length} bytes do not fit {dtype} {shape}")
        layout.append((_string(entry["name"], "name"), dtype, shape, length))
    return header, layout, _string(document["payload_sha256"], "payload_sha256")


def _non_negative_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def _string(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, got {value!r}")
    return value


def _read_array(
    path: str | os.PathLike[str],
    source: io.BufferedReader,
    dtype: np.dtype[Any],
    shape: tuple[int, ...],
    length: int,
    digest: Any,
) -> NDArray[Any]:
    array = np.empty(shape, dtype=dtype)
    view = _bytes_of(array)
    done = 0
    while done < length:
        got = source.readinto(view[done : done + _READ_CHUNK])
        if not got:
            raise IndexFileError(path, "truncated: the file ends inside the payload")
        digest.update(view[done : done + got])
        done += got
    return array


def _bytes_of(array: NDArray[Any]) -> memoryview:
    """The bytes of a C-contiguous array, without copying."""
    return array.reshape(-1).view(np.uint8).data


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; some filesystems cannot open a directory, which is then skipped."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
