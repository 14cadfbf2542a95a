"""Labelled image sets described by a CSV of file, identity, face count and content hash.

The format is the one the shared test data uses (``file,identity,faces,sha256_16``): ``identity`` is one
person's name, or ``group:a+b`` for several people, or ``video:...`` for a clip; ``faces`` is how many faces
a person sees; ``sha256_16`` lets byte-identical copies be counted once.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from watchkeeper.errors import InputError

LABELS_FILE = "labels.csv"
_REQUIRED_COLUMNS = ("file", "identity", "faces", "sha256_16")


@dataclass(frozen=True, slots=True)
class LabelledFile:
    """One row of a labels file, with its path resolved against the file's folder."""

    path: Path
    identity: str
    expected_faces: int | None
    content_hash: str

    @property
    def is_single_person(self) -> bool:
        """True for a still image of one named person (not a group photo or a video)."""
        return ":" not in self.identity and self.expected_faces == 1


def read_labels(folder: Path) -> list[LabelledFile]:
    """The rows of ``folder/labels.csv``; raises :class:`InputError` naming the file and row when malformed."""
    labels_path = folder / LABELS_FILE
    try:
        with labels_path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in _REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(str(labels_path), f"missing column(s): {', '.join(missing)}")
            return [_row(labels_path, line, row) for line, row in enumerate(reader, start=2)]
    except FileNotFoundError:
        raise InputError(str(labels_path), "no such file") from None


def _row(labels_path: Path, line: int, row: dict[str, str]) -> LabelledFile:
    faces = row["faces"].strip()
    if faces and not faces.isdigit():
        raise InputError(f"{labels_path}:{line}", f"faces must be a whole number, got {faces!r}")
    return LabelledFile(
        path=labels_path.parent / row["file"],
        identity=row["identity"].strip(),
        expected_faces=int(faces) if faces else None,
        content_hash=row["sha256_16"].strip(),
    )


def distinct(files: list[LabelledFile]) -> list[LabelledFile]:
    """The files with byte-identical copies removed (first occurrence kept), so none is counted twice."""
    seen: set[str] = set()
    kept = []
    for labelled in files:
        if labelled.content_hash not in seen:
            seen.add(labelled.content_hash)
            kept.append(labelled)
    return kept
