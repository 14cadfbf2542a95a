"""Five facial landmarks (two corners of each eye, the base of the nose) from dlib's 5-point predictor.

Five points are all that alignment needs, and dlib's 5-point model is CC0; its 68-point model is not used
because the data it was trained on forbids commercial use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dlib
import numpy as np
from numpy.typing import NDArray

from watchkeeper.networks import dlib_models
from watchkeeper.types import BoundingBox, RGBImage

Point = tuple[float, float]


@dataclass(frozen=True, slots=True, eq=False)
class FivePointLandmarks:
    """The five points as a ``(5, 2)`` float32 array of ``(x, y)`` pixels, in dlib's order.

    dlib's order: 0-1 the outer and inner corner of the eye on the image's right (the subject's left eye),
    2-3 the outer and inner corner of the eye on the image's left (the subject's right eye), 4 the base of
    the nose. "Left" and "right" in property names are the subject's, as in anatomy.
    """

    points: NDArray[np.float32]

    def __post_init__(self) -> None:
        if self.points.shape != (5, 2):
            raise ValueError(f"five landmarks need a (5, 2) array, got shape {self.points.shape}")

    @property
    def left_eye_center(self) -> Point:
        x, y = self.points[0:2].mean(axis=0)
        return (float(x), float(y))

    @property
    def right_eye_center(self) -> Point:
        x, y = self.points[2:4].mean(axis=0)
        return (float(x), float(y))

    @property
    def nose_base(self) -> Point:
        return (float(self.points[4, 0]), float(self.points[4, 1]))

    @property
    def inter_ocular_distance(self) -> float:
        """Distance in pixels between the two eye centres: the usual measure of a face's resolution."""
        (lx, ly), (rx, ry) = self.left_eye_center, self.right_eye_center
        return float(np.hypot(lx - rx, ly - ry))

    def to_dlib(self, box: BoundingBox) -> Any:
        """The ``dlib.full_object_detection`` that dlib's alignment functions take."""
        rect = dlib.rectangle(box.left, box.top, box.right, box.bottom)
        parts = [dlib.point(round(float(x)), round(float(y))) for x, y in self.points]
        return dlib.full_object_detection(rect, parts)


def predict_landmarks(image: RGBImage, box: BoundingBox) -> FivePointLandmarks:
    """The five landmarks of the face in ``box`` (pass the detector's unclipped box for faces at the edge)."""
    rect = dlib.rectangle(box.left, box.top, box.right, box.bottom)
    shape = dlib_models.five_point_predictor()(image, rect)
    points = np.array([(part.x, part.y) for part in shape.parts()], dtype=np.float32)
    return FivePointLandmarks(points=points)
