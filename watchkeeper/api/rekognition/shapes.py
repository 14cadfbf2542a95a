"""Watchkeeper's faces in Rekognition's response shapes, and Rekognition's quality filter in our measures.

Rekognition gives boxes and landmarks as fractions of the image's width and height, percentages for
confidence and similarity, and 0 to 100 for brightness and sharpness. The conversions, each documented
in docs/api.md, are:

- ``Confidence``: the logistic of the detector's score, times 100 (50 at the detector's decision boundary;
  the HOG detector's clear faces score about 1 to 3, so 73 to 95). A relabelling, not a probability.
- ``Similarity``: Watchkeeper's similarity (``1 - distance / 1.2``) times 100, so 50 is the default
  same-person threshold (distance 0.6). Thresholds a client sends are read on the same scale.
- ``Quality``: ``Brightness`` is the chip's mean grey level times 100; ``Sharpness`` maps the variance of the
  Laplacian ``s`` to ``100 * s / (s + 100)`` (50 at 100, which in-focus faces exceed).
- ``Pose``: ``Roll`` and a rough ``Yaw`` from the five landmarks; pitch is not measured and not given.
- ``Landmarks``: ``eyeLeft`` and ``eyeRight`` (the eyes on the image's left and right, as Rekognition
  names them) and ``nose`` (the base of the nose); the five-point model has no mouth points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from watchkeeper.face import Face, similarity_from_distance
from watchkeeper.face.quality import yaw_degrees
from watchkeeper.types import BoundingBox, ImageSize

FACE_MODEL_VERSION = "1.0"
"""The face model behind every collection: dlib's ResNet descriptor, version 1 (128 values)."""

JsonObject = dict[str, object]


class QualityFilter(StrEnum):
    NONE = "NONE"
    AUTO = "AUTO"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


@dataclass(frozen=True, slots=True)
class QualityBar:
    """The least a face must measure to pass a filter level (see :class:`watchkeeper.face.FaceQuality`)."""

    inter_ocular_px: float
    sharpness: float
    frontalness: float
    brightness: tuple[float, float]
    confidence: float


QUALITY_BARS: dict[QualityFilter, QualityBar] = {
    QualityFilter.LOW: QualityBar(15, 10, 0.1, (0.05, 0.95), 0),
    QualityFilter.MEDIUM: QualityBar(30, 30, 0.3, (0.1, 0.9), 0),
    QualityFilter.HIGH: QualityBar(60, 80, 0.5, (0.2, 0.8), 60),
}
"""LOW drops only faces too small, blurred, turned or exposed for any use; MEDIUM (also AUTO) drops faces
below the inter-ocular distance where recognition degrades (30 px) or visibly blurred; HIGH asks for what
enrolment standards ask (60 px between the eyes, near frontal, well exposed, a confident detection)."""


def quality_problems(face: Face, level: QualityFilter) -> list[str]:
    """Rekognition's reasons (``SMALL_BOUNDING_BOX``, ``LOW_SHARPNESS``, ...) why ``face`` fails ``level``;
    empty when it passes (always for ``NONE``)."""
    if level is QualityFilter.NONE:
        return []
    bar = QUALITY_BARS[QualityFilter.MEDIUM if level is QualityFilter.AUTO else level]
    quality = face.quality
    checks = (
        (quality.inter_ocular_px < bar.inter_ocular_px, "SMALL_BOUNDING_BOX"),
        (quality.sharpness < bar.sharpness, "LOW_SHARPNESS"),
        (quality.frontalness < bar.frontalness, "EXTREME_POSE"),
        (not bar.brightness[0] <= quality.brightness <= bar.brightness[1], "LOW_BRIGHTNESS"),
        (confidence(face.detection.score) < bar.confidence, "LOW_CONFIDENCE"),
    )
    return [reason for failed, reason in checks if failed]


def confidence(score: float) -> float:
    return 100.0 / (1.0 + math.exp(-score))


def similarity_percent(distance: float) -> float:
    return 100.0 * similarity_from_distance(distance)


def bounding_box(box: BoundingBox, size: ImageSize) -> JsonObject:
    return {
        "Width": box.width / size.width,
        "Height": box.height / size.height,
        "Left": box.left / size.width,
        "Top": box.top / size.height,
    }


def face_detail(face: Face, size: ImageSize) -> JsonObject:
    """Rekognition's ``FaceDetail`` (also a valid ``ComparedFace``): the default attributes."""
    marks = face.landmarks
    points = (("eyeLeft", marks.right_eye_center), ("eyeRight", marks.left_eye_center), ("nose", marks.nose_base))
    return {
        "BoundingBox": bounding_box(face.box, size),
        "Confidence": confidence(face.detection.score),
        "Landmarks": [{"Type": name, "X": x / size.width, "Y": y / size.height} for name, (x, y) in points],
        "Pose": {"Roll": face.quality.roll_degrees, "Yaw": yaw_degrees(marks)},
        "Quality": {
            "Brightness": 100.0 * face.quality.brightness,
            "Sharpness": 100.0 * face.quality.sharpness / (face.quality.sharpness + 100.0),
        },
    }


def largest_first(faces: tuple[Face, ...]) -> list[Face]:
    """Faces by box area, largest first: Rekognition's order of preference for the face to search or index."""
    return sorted(faces, key=lambda face: face.box.area, reverse=True)
