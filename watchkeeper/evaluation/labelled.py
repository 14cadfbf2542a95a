"""Labelled image sets: which file shows whom, read from a CSV or from a folder per identity.

The CSV format is the one the shared test data uses (``file,identity,faces,sha256_16``, optionally
``group``): ``identity`` is one person's name, or ``group:a+b`` for several people, or ``video:...`` for a
clip; ``faces`` is how many faces a person sees; ``sha256_16`` lets byte-identical copies be counted once;
``group`` names a subgroup (an age band, a camera, a demographic label) for breakdowns. Only ``file`` and
``identity`` are required: ``faces`` defaults to one for a single name, and a missing hash is computed from
the file. A folder of folders is read as one identity per subfolder (the LFW layout).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from watchkeeper.errors import InputError

LABELS_FILE = "labels.csv"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp"})
_REQUIRED_COLUMNS = ("file", "identity")
_HASH_DIGITS = 16


@dataclass(frozen=True, slots=True)
class LabelledFile:
    """One labelled file, its path resolved against the labels' folder."""

    path: Path
    identity: str
    expected_faces: int | None
    content_hash: str
    group: str | None = None

    @property
    def is_single_person(self) -> bool:
        """True for a still image of one named person (not a group photo or a video)."""
        return ":" not in self.identity and self.expected_faces == 1 and self.path.suffix.lower() in IMAGE_SUFFIXES


def read_labels(folder: Path) -> list[LabelledFile]:
    """The rows of ``folder/labels.csv``; raises :class:`InputError` naming the file and row when malformed."""
    return read_labels_file(folder / LABELS_FILE)


def read_labels_file(labels_path: Path) -> list[LabelledFile]:
    """The rows of a labels CSV (paths relative to its folder); :class:`InputError` when malformed."""
    try:
        with labels_path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in _REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(str(labels_path), f"missing column(s): {', '.join(missing)}")
            return [_row(labels_path, line, row) for line, row in enumerate(reader, start=2)]
    except FileNotFoundError:
        raise InputError(str(labels_path), "no such file") from None
    except UnicodeDecodeError:
        raise InputError(str(labels_path), "not a UTF-8 text file") from None


def read_identity_folders(folder: Path) -> list[LabelledFile]:
    """Every image in each subfolder of ``folder``, labelled with the subfolder's name."""
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    files = [
        LabelledFile(path, subfolder.name, 1, _file_hash(path))
        for subfolder in subfolders
        for path in sorted(subfolder.iterdir())
        if path.suffix.lower() in IMAGE_SUFFIXES
    ]
    if not files:
        raise InputError(str(folder), "no labels.csv and no identity subfolders with images")
    return files


def read_labelled_set(source: Path) -> list[LabelledFile]:
    """A labels CSV given as a file, a folder holding ``labels.csv``, or a folder with a folder per identity."""
    if source.is_file():
        return read_labels_file(source)
    if (source / LABELS_FILE).is_file():
        return read_labels(source)
    if not source.is_dir():
        raise InputError(str(source), "no such file or folder")
    return read_identity_folders(source)


def _row(labels_path: Path, line: int, row: dict[str, str]) -> LabelledFile:
    where = f"{labels_path}:{line}"
    identity = (row.get("identity") or "").strip()
    file_name = (row.get("file") or "").strip()
    if not identity or not file_name:
        raise InputError(where, "file and identity must not be empty")
    faces = (row.get("faces") or "").strip()
    if faces and not faces.isdigit():
        raise InputError(where, f"faces must be a whole number, got {faces!r}")
    path = labels_path.parent / file_name
    expected_faces = int(faces) if faces else (1 if ":" not in identity else None)
    content_hash = (row.get("sha256_16") or "").strip() or _file_hash(path, where)
    group = (row.get("group") or "").strip() or None
    return LabelledFile(path, identity, expected_faces, content_hash, group)


def _file_hash(path: Path, where: str | None = None) -> str:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()[:_HASH_DIGITS]
    except OSError as error:
        raise InputError(where or str(path), f"cannot read {path.name}: {error.strerror or error}") from None


def distinct(files: list[LabelledFile]) -> list[LabelledFile]:
    """The files with byte-identical copies removed (first occurrence kept), so none is counted twice."""
    seen: set[str] = set()
    kept = []
    for labelled in files:
        if labelled.content_hash not in seen:
            seen.add(labelled.content_hash)
            kept.append(labelled)
    return kept
