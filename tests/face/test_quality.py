from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from watchkeeper.face import FaceAnalysis, FivePointLandmarks
from watchkeeper.face.quality import measure_quality
from watchkeeper.types import BoundingBox

Analyse = Callable[[str], FaceAnalysis]
OBAMA = "tests/test_images/obama.jpg"


def landmarks(
    left_eye: tuple[float, float], right_eye: tuple[float, float], nose: tuple[float, float]
) -> FivePointLandmarks:
    """Five points from eye centres (each eye's two corners 10 px either side) and the nose base."""
    (lx, ly), (rx, ry) = left_eye, right_eye
    points = [(lx + 10, ly), (lx - 10, ly), (rx - 10, ry), (rx + 10, ry), nose]
    return FivePointLandmarks(points=np.array(points, dtype=np.float32))


def test_quality_of_a_good_photo(analyse: Analyse) -> None:
    quality = analyse(OBAMA).single_face().quality
    assert (quality.box_width, quality.box_height) == (268, 267)
    assert quality.inter_ocular_px > 90
    assert quality.sharpness > 100
    assert 0.3 < quality.brightness < 0.7
    assert quality.frontalness > 0.9
    assert abs(quality.roll_degrees) < 3


def test_blur_lowers_sharpness(analyse: Analyse) -> None:
    face = analyse(OBAMA).single_face()
    blurred = np.asarray(cv2.GaussianBlur(face.chip, (0, 0), 3), dtype=np.uint8)
    assert measure_quality(face.box, face.landmarks, blurred).sharpness < face.quality.sharpness / 5


def test_darkening_lowers_brightness(analyse: Analyse) -> None:
    face = analyse(OBAMA).single_face()
    darker = (face.chip // 4).astype(np.uint8)
    assert measure_quality(face.box, face.landmarks, darker).brightness == pytest.approx(
        face.quality.brightness / 4, abs=0.01
    )


@pytest.mark.parametrize(
    ("nose_x", "expected"),
    [(100.0, 1.0), (110.0, 0.75), (120.0, 0.5), (80.0, 0.5), (140.0, 0.0), (200.0, 0.0)],
)
def test_frontalness_falls_as_the_nose_moves_off_centre(nose_x: float, expected: float) -> None:
    marks = landmarks(left_eye=(150, 100), right_eye=(50, 100), nose=(nose_x, 150))
    chip = np.full((150, 150, 3), 128, dtype=np.uint8)
    assert measure_quality(BoundingBox(0, 0, 200, 200), marks, chip).frontalness == pytest.approx(expected)


def test_roll_is_positive_when_the_image_right_eye_is_lower() -> None:
    # Head tilted 45 degrees, nose base straight "below" the eyes in the face's own frame.
    marks = landmarks(left_eye=(150, 150), right_eye=(50, 50), nose=(72, 128))
    chip = np.full((150, 150, 3), 128, dtype=np.uint8)
    quality = measure_quality(BoundingBox(0, 0, 200, 200), marks, chip)
    assert quality.roll_degrees == pytest.approx(45.0)
    assert quality.frontalness == pytest.approx(1.0, abs=0.01)
