"""Detection measured against annotated boxes: dlib's imglab XML files (``<image file><box top left width
height/>``), and how many annotated faces a detector found, missed, and how many faces it made up."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from watchkeeper.errors import InputError
from watchkeeper.types import BoundingBox

MIN_OVERLAP = 0.5
"""Intersection over union from which a found box is the annotated face (PASCAL VOC's rule)."""


@dataclass(frozen=True, slots=True)
class AnnotatedImage:
    path: Path
    faces: tuple[BoundingBox, ...]


@dataclass(frozen=True, slots=True)
class DetectionCounts:
    found: int
    missed: int
    false_faces: int


def read_imglab(path: Path) -> list[AnnotatedImage]:
    """The images of an imglab XML file, paths resolved against its folder; :class:`InputError` if unreadable."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        raise InputError(str(path), f"not a readable imglab XML file ({error})") from None
    images = []
    for image in root.iter("image"):
        boxes = []
        for b in image.iter("box"):
            left, top = int(b.get("left", 0)), int(b.get("top", 0))
            boxes.append(BoundingBox(left, top, left + int(b.get("width", 1)), top + int(b.get("height", 1))))
        images.append(AnnotatedImage(path.parent / image.get("file", ""), tuple(boxes)))
    return images


def count_detections(images: Sequence[AnnotatedImage], find: Callable[[Path], list[BoundingBox]]) -> DetectionCounts:
    """Annotated faces ``find`` found (a box overlapping by :data:`MIN_OVERLAP`), missed, and its boxes that
    overlap no annotated face."""
    found = missed = false_faces = 0
    for image in images:
        boxes = find(image.path)
        matched = {i for t in image.faces for i, f in enumerate(boxes) if t.intersection_over_union(f) >= MIN_OVERLAP}
        hits = sum(any(t.intersection_over_union(f) >= MIN_OVERLAP for f in boxes) for t in image.faces)
        found += hits
        missed += len(image.faces) - hits
        false_faces += len(boxes) - len(matched)
    return DetectionCounts(found, missed, false_faces)
