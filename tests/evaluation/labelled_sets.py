"""Labelled sets built from the shared photos for the evaluation tests."""

from __future__ import annotations

import csv
from pathlib import Path

from watchkeeper.evaluation.labelled import distinct, read_labelled_set, read_labels

JOHNS = "dlib/examples/johns"


def write_combined_labels(faces_dir: Path, folder: Path) -> Path:
    """A labels CSV (absolute paths) of every single-person photo of the shared data, grouped by source."""
    rows = [(f.path, f.identity, "public_figures") for f in distinct(read_labels(faces_dir)) if f.is_single_person]
    rows += [(f.path, f.identity, "johns") for f in read_labelled_set(faces_dir / JOHNS)]
    path = folder / "labels.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "identity", "group"])
        writer.writerows(rows)
    return path
