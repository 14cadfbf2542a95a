from __future__ import annotations

from pathlib import Path

import pytest

from watchkeeper.errors import InputError
from watchkeeper.evaluation.labelled import distinct, read_labelled_set, read_labels


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
    folder = write_labels(tmp_path, "file,faces\na.jpg,1\n")
    with pytest.raises(InputError, match="missing column"):
        read_labels(folder)


def test_file_and_identity_suffice_and_groups_are_read(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(b"first")
    (tmp_path / "copy.jpg").write_bytes(b"first")
    (tmp_path / "b.jpg").write_bytes(b"second")
    labels = tmp_path / "set.csv"
    labels.write_text("file,identity,group\na.jpg,ann,north\ncopy.jpg,ann,north\nb.jpg,bob,\n")
    rows = distinct(read_labelled_set(labels))
    assert [(r.path.name, r.identity, r.group, r.is_single_person) for r in rows] == [
        ("a.jpg", "ann", "north", True),
        ("b.jpg", "bob", None, True),
    ]


def test_a_folder_per_identity(tmp_path: Path) -> None:
    for name, data in (("ann/1.jpg", b"x"), ("ann/2.png", b"y"), ("bob/1.jpg", b"z"), ("bob/notes.txt", b"")):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(data)
    rows = read_labelled_set(tmp_path)
    assert [(r.path.relative_to(tmp_path).as_posix(), r.identity) for r in rows] == [
        ("ann/1.jpg", "ann"),
        ("ann/2.png", "ann"),
        ("bob/1.jpg", "bob"),
    ]


def test_a_listed_file_that_is_missing_is_named(tmp_path: Path) -> None:
    labels = tmp_path / "set.csv"
    labels.write_text("file,identity\ngone.jpg,ann\n")
    with pytest.raises(InputError, match=r"set\.csv:2: cannot read gone\.jpg"):
        read_labelled_set(labels)


def test_bad_face_count_names_the_line(tmp_path: Path) -> None:
    folder = write_labels(tmp_path, "file,identity,faces,sha256_16\na.jpg,ann,one,aa\n")
    with pytest.raises(InputError, match=r"labels\.csv:2: faces must be a whole number"):
        read_labels(folder)


def test_missing_labels_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_labels(tmp_path)
