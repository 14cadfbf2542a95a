"""Index files: round trips, fingerprints, atomic writes, and a clear IndexFileError for anything unusable."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from watchkeeper.errors import WatchkeeperError
from watchkeeper.matching import (
    ApproximateIndex,
    ExactIndex,
    IndexFileError,
    IndexKind,
    VectorIndex,
    load_index,
    make_index,
    read_index_header,
)
from watchkeeper.matching.synthetic import clustered_gallery


def filled(kind: IndexKind, n: int = 6_000) -> tuple[VectorIndex, np.ndarray]:
    faces = clustered_gallery(n, seed=5)
    index: VectorIndex = ApproximateIndex(train_at=2_000) if kind is IndexKind.APPROXIMATE else make_index(kind)
    index.add(np.arange(n, dtype=np.int64) + 100, faces.vectors)
    index.remove(np.arange(100, 300, dtype=np.int64))
    return index, faces.probes(25)[0]


@pytest.mark.parametrize("kind", list(IndexKind))
def test_round_trip(tmp_path: Path, kind: IndexKind) -> None:
    index, queries = filled(kind)
    path = tmp_path / "gallery.index"
    index.save(path, "gallery:1:revision:7")
    loaded, fingerprint = load_index(path)
    assert fingerprint == "gallery:1:revision:7"
    assert loaded.kind is kind
    assert type(loaded) is type(index)
    assert len(loaded) == len(index)
    np.testing.assert_array_equal(loaded.ids(), index.ids())
    before, after = index.search(queries, 10), loaded.search(queries, 10)
    np.testing.assert_array_equal(after.ids, before.ids)
    np.testing.assert_array_equal(after.distances, before.distances)
    header = read_index_header(path)
    assert (header.kind, header.count, header.dim, header.fingerprint) == (kind, len(index), 128, fingerprint)
    assert sorted(os.listdir(tmp_path)) == ["gallery.index"]


@pytest.mark.parametrize("kind", list(IndexKind))
def test_loaded_index_stays_usable(tmp_path: Path, kind: IndexKind) -> None:
    index, queries = filled(kind)
    index.save(tmp_path / "a.index")
    loaded, fingerprint = load_index(tmp_path / "a.index")
    assert fingerprint == ""
    loaded.add(np.array([5], dtype=np.int64), queries[:1])
    assert loaded.search(queries[0], 1).ids[0, 0] == 5
    assert loaded.remove(np.array([5, 400], dtype=np.int64)) == 2


def test_empty_index_round_trip(tmp_path: Path) -> None:
    ExactIndex().save(tmp_path / "e.index", "empty")
    loaded, fingerprint = load_index(tmp_path / "e.index")
    assert (len(loaded), fingerprint) == (0, "empty")


def test_a_stale_fingerprint_is_returned_for_the_caller_to_compare(tmp_path: Path) -> None:
    index, _ = filled(IndexKind.EXACT, 500)
    path = tmp_path / "g.index"
    index.save(path, "revision:1")
    index.save(path, "revision:2")
    assert load_index(path)[1] == "revision:2"
    assert read_index_header(path).fingerprint == "revision:2"


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    index, _ = filled(IndexKind.APPROXIMATE, 3_000)
    path = tmp_path / "g.index"
    index.save(path, "fp")
    return path


def corrupt_at(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x40
    path.write_bytes(bytes(data))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IndexFileError, match="no such file") as caught:
        load_index(tmp_path / "absent.index")
    assert caught.value.code == "index_unreadable"
    assert isinstance(caught.value, WatchkeeperError)


@pytest.mark.parametrize("keep", [0, 5, 10, 200, -1])
def test_truncated_file(saved: Path, keep: int) -> None:
    data = saved.read_bytes()
    saved.write_bytes(data[: keep if keep >= 0 else len(data) - 1])
    with pytest.raises(IndexFileError, match=r"truncated|magic"):
        load_index(saved)


def test_trailing_bytes(saved: Path) -> None:
    saved.write_bytes(saved.read_bytes() + b"\0")
    with pytest.raises(IndexFileError, match="padded"):
        load_index(saved)


def test_flipped_payload_byte(saved: Path) -> None:
    corrupt_at(saved, saved.stat().st_size - 1000)
    with pytest.raises(IndexFileError, match="SHA-256"):
        load_index(saved)


def test_flipped_header_byte(saved: Path) -> None:
    corrupt_at(saved, 20)
    with pytest.raises(IndexFileError, match="CRC-32"):
        read_index_header(saved)


@pytest.mark.parametrize("content", [b"", b"garbage" * 100, b"WKINDEX\0" + b"\xff" * 64])
def test_garbage(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.index"
    path.write_bytes(content)
    with pytest.raises(IndexFileError):
        load_index(path)


def test_directory_is_not_an_index(tmp_path: Path) -> None:
    with pytest.raises(IndexFileError):
        load_index(tmp_path)


def test_wrong_kind_for_the_class(saved: Path) -> None:
    with pytest.raises(IndexFileError, match="approximate index, not exact"):
        ExactIndex.load(saved)


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index, _ = filled(IndexKind.EXACT, 500)
    path = tmp_path / "g.index"
    index.save(path, "old")

    def failing_fsync(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space"):
        index.save(path, "new")
    monkeypatch.undo()
    assert load_index(path)[1] == "old"
    assert sorted(os.listdir(tmp_path)) == ["g.index"]


def test_fingerprint_must_be_text(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="fingerprint"):
        ExactIndex().save(tmp_path / "g.index", {"not": "a string"})  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == []


def test_unwritable_directory_raises_without_leaving_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ExactIndex().save(tmp_path / "missing-dir" / "g.index")
    assert os.listdir(tmp_path) == []
