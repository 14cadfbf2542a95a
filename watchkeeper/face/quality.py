"""How usable a detected face is for recognition, as a few plain measurements.

Operators and later stages (best-shot selection in video, probe gating, evaluation) need to know *why* a
face may be unreliable: too small, blurred, too dark or bright, or turned away. Each measure is cheap and
documented with its unit and range, so thresholds can be set and audited in those terms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from watchkeeper.face.landmarks import FivePointLandmarks
from watchkeeper.types import BoundingBox, RGBImage

_YAW_OFFSET_AT_PROFILE = 0.4
"""Sideways offset of the nose base from the eyes' midpoint, in inter-ocular distances, at which a face is
scored as not frontal at all. About 0.4 corresponds to a head turned roughly 45 degrees."""


@dataclass(frozen=True, slots=True)
class FaceQuality:
    """Quality measures of one face.

    - ``box_width``, ``box_height``: the detector's box in source pixels (clipped to the image).
    - ``inter_ocular_px``: distance between the eye centres in source pixels. Recognition degrades below
      about 30 px; standards for enrolment photos ask for 60 px or more (90 px for ICAO passport photos).
    - ``sharpness``: variance of the Laplacian of the aligned 150 x 150 grey chip, from 0 upwards. Measured on
      the chip, so a small face blown up to chip size scores low, as it carries little detail. On the shared
      test photos in-focus faces score roughly 100 to 1500; below about 30 a face is visibly blurred.
    - ``brightness``: mean grey level of the aligned chip, 0 (black) to 1 (white); well-exposed faces lie
      around 0.3 to 0.7.
    - ``frontalness``: 1 for a face looking at the camera, falling linearly to 0 for a head turned about 45
      degrees or more, estimated from where the nose base sits between the eyes (roll-invariant; pitch is
      not measured).
    - ``roll_degrees``: in-plane tilt of the line through the eyes, -180 to 180, positive when the eye on the
      image's right is lower; alignment removes roll, so it matters little for matching.
    """

    box_width: int
    box_height: int
    inter_ocular_px: float
    sharpness: float
    brightness: float
    frontalness: float
    roll_degrees: float


def measure_quality(box: BoundingBox, landmarks: FivePointLandmarks, chip: RGBImage) -> FaceQuality:
    """Quality of the face with clipped ``box``, its ``landmarks`` and its aligned ``chip``."""
    grey = cv2.cvtColor(chip, cv2.COLOR_RGB2GRAY)
    sharpness = float(cv2.Laplacian(grey, cv2.CV_64F).var())
    brightness = float(grey.mean() / 255.0)
    return FaceQuality(
        box_width=box.width,
        box_height=box.height,
        inter_ocular_px=landmarks.inter_ocular_distance,
        sharpness=sharpness,
        brightness=brightness,
        frontalness=_frontalness(landmarks),
        roll_degrees=_roll_degrees(landmarks),
    )


def yaw_degrees(landmarks: FivePointLandmarks) -> float:
    """A rough yaw, in degrees: linear in the nose base's sideways offset from the eyes' midpoint, 45 at
    the offset scored as profile; positive when the nose points towards the image's right; 0 to 90 in
    size. An estimate for reports and filters, as coarse as :attr:`FaceQuality.frontalness`."""
    offset = _nose_offset(landmarks)
    if offset is None:
        return 90.0
    return max(-90.0, min(90.0, 45.0 * offset / _YAW_OFFSET_AT_PROFILE))


def _frontalness(landmarks: FivePointLandmarks) -> float:
    offset = _nose_offset(landmarks)
    if offset is None:
        return 0.0
    return max(0.0, 1.0 - abs(offset) / _YAW_OFFSET_AT_PROFILE)


def _nose_offset(landmarks: FivePointLandmarks) -> float | None:
    """Offset of the nose base along the eye axis from the eyes' midpoint, in inter-ocular distances
    (positive towards the image's right); None when the eyes coincide."""
    image_left_eye = np.array(landmarks.right_eye_center)
    image_right_eye = np.array(landmarks.left_eye_center)
    axis = image_right_eye - image_left_eye
    inter_ocular = float(np.linalg.norm(axis))
    if inter_ocular == 0.0:
        return None
    midpoint = (image_left_eye + image_right_eye) / 2.0
    return float(np.dot(np.array(landmarks.nose_base) - midpoint, axis / inter_ocular)) / inter_ocular


def _roll_degrees(landmarks: FivePointLandmarks) -> float:
    (lx, ly), (rx, ry) = landmarks.right_eye_center, landmarks.left_eye_center
    return math.degrees(math.atan2(ry - ly, rx - lx))
