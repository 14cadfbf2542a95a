from __future__ import annotations

from pathlib import Path

import pytest

from watchkeeper.errors import InputError
from watchkeeper.evaluation.labelled import distinct, read_labels


def write_labels(folder: Path, text: str) -> Path:
    (folder / "labels.csv").write_text(text)
    return folder


def test_rows_are_read_and_resolved(tmp_path: Path) -> None:
    folder = write_labels(
        tmp_path,
        "file,identity,faces,sha256_16\na/x.jpg,ann,1,aa\nb/y.jpg,group:ann+bob,2,bb\nc.mp4,video:ann,,cc\n",
    )
    rows = read_labels(folder)
    assert [r.path for r in rows] == [tmp_path / "a/x.jpg", tmp_path / "b/y.jpg", tmp_path / "c.mp4"]
    assert [r.expected_faces for r in rows] == [1, 2, None]
    assert [r.is_single_person for r in rows] == [True, False, False]


def test_byte_identical_copies_count_once(tmp_path: Path) -> None:
    folder = write_labels(
        tmp_path, "file,identity,faces,sha256_16\na.jpg,ann,1,aa\ncopy.jpg,ann,1,aa\nb.jpg,bob,1,bb\n"
    )
    assert [r.path.name for r in distinct(read_labels(folder))] == ["a.jpg", "b.jpg"]


def test_missing_column_is_named(tmp_path: Path) -> None:
    folder = write_labels(tmp_path, "file,identity\na.jpg,ann\n")
    with pytest.raises(InputError, match="missing column"):
        read_labels(folder)


def test_bad_face_count_names_the_line(tmp_path: Path) -> None:
    folder = write_labels(tmp_path, "file,identity,faces,sha256_16\na.jpg,ann,one,aa\n")
    with pytest.raises(InputError, match=r"labels\.csv:2: faces must be a whole number"):
        read_labels(folder)


def test_missing_labels_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_labels(tmp_path)
