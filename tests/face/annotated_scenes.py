"""dlib's annotated scenes (``dlib/examples/faces``): every face's box, and how a detector's boxes score on them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from watchkeeper.types import BoundingBox

MIN_OVERLAP = 0.5
"""Intersection over union from which a found box counts as the annotated face."""


def annotated_faces(faces_dir: Path) -> list[tuple[Path, list[BoundingBox]]]:
    folder = faces_dir / "dlib/examples/faces"
    scenes = []
    for name in ("training.xml", "testing.xml"):
        for image in ET.parse(folder / name).getroot().iter("image"):
            boxes = []
            for b in image.iter("box"):
                left, top = int(b.get("left", 0)), int(b.get("top", 0))
                boxes.append(BoundingBox(left, top, left + int(b.get("width", 1)), top + int(b.get("height", 1))))
            scenes.append((folder / image.get("file", ""), boxes))
    return scenes


def scene_counts(faces_dir: Path, find: Callable[[Path], list[BoundingBox]]) -> tuple[int, int, int]:
    """(found, missed, false faces) of ``find`` over every annotated scene."""
    true_positives = missed = false_positives = 0
    for path, truth in annotated_faces(faces_dir):
        found = find(path)
        matched = {i for t in truth for i, f in enumerate(found) if t.intersection_over_union(f) >= MIN_OVERLAP}
        hits = sum(any(t.intersection_over_union(f) >= MIN_OVERLAP for f in found) for t in truth)
        true_positives += hits
        missed += len(truth) - hits
        false_positives += len(found) - len(matched)
    return true_positives, missed, false_positives
